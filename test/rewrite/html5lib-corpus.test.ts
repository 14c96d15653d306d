import { type DefaultTreeAdapterTypes as P5, parse } from 'parse5';
import t from 'tap';
import { compileSelectors, type StripMatcher } from '../../src/rewrite/compile-selectors.js';
import { createHtmlRewriter, type RewriteReport } from '../../src/rewrite/html-rewriter.js';
import {
  allElements,
  ancestorsOf,
  attributeStrings,
  countDataLines,
  type DatTest,
  detach,
  dumpTree,
  listDatFiles,
  readDatFile,
  selectElements,
} from '../fixtures/html5lib-corpus.js';

// Every full document of the html5lib tree-construction tests goes through the rewriter, and
// what a browser's parser (parse5 follows the HTML spec; it passes all of these tests itself)
// builds from the output must be what it builds from the input, plus the beacon and minus the
// stripped elements — whole, unsplit or split into chunks at any byte.

const NS_HTML = 'http://www.w3.org/1999/xhtml';
const BEACON_SRC = '/__helpgate/beacon.js?v=1';
const BEACON = `<script src="${BEACON_SRC}" defer></script>`;

/** Full documents and `#document-fragment` tests in the vendored corpus. */
const EXPECTED_DOCUMENTS = 1556;
const EXPECTED_FRAGMENTS = 194;

/** Strip selectors that match nothing in the corpus. */
const NOTHING = ['.helpgate-never-matches'];

/**
 * Strip selector sets that match much of the corpus, each run as its own pass. `[id]` spares
 * html, head and body: the parser recreates them, so "the DOM without them" means nothing.
 */
const STRIP_SETS: Record<string, string[]> = {
  blocks: ['div', 'p', 'span', 'table', '[id]:not(html, head, body)', '.foo'],
  formatting: ['a', 'b', 'i', 'font', 'li', 'td', 'option', 'svg', 'math', 'template', 'ul > li'],
  // One compound each, of type and attribute selectors only: the tree builder then reads the
  // attribute values only of elements whose bytes could match (see StripMatcher.needles).
  simple: [
    '.foo',
    'div[id]',
    'p[id]',
    'span[id]',
    'a[href]',
    'font[size]',
    'font[color]',
    'input[type=hidden i]',
    '[type=text]',
    'math[definitionurl]',
    'annotation-xml[encoding*=html i]',
    'td[foo]',
    'b[bar]',
    '[title^=a]',
  ],
};

const decoder = new TextDecoder('utf-8');
/** Decodes as a browser does for a UTF-8 page (a BOM is dropped). */
const decode = (bytes: Buffer) => decoder.decode(bytes);

interface Run {
  out: Buffer;
  report: RewriteReport;
}

function run(input: Buffer, matcher: StripMatcher, chunkSizes: () => number): Run {
  const rewriter = createHtmlRewriter({
    matcher,
    beaconTag: () => BEACON,
    nonce: null,
    contentTypeCharset: 'utf-8',
    maxBytes: 8 * 1024 * 1024,
  });
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; ) {
    const n = Math.max(1, chunkSizes());
    parts.push(...rewriter.write(input.subarray(i, i + n)));
    i += n;
  }
  parts.push(...rewriter.end());
  return { out: Buffer.concat(parts), report: rewriter.report };
}

/** A deterministic pseudo-random generator (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Chunkings of a document: whole, one byte at a time, and random sizes from three seeds. */
function chunkings(length: number, salt: number): [string, () => number][] {
  const whole = Math.max(1, length);
  const plans: [string, () => number][] = [
    ['whole', () => whole],
    ['1-byte', () => 1],
  ];
  for (const seed of [1, 2, 3]) {
    const next = prng(seed * 7919 + salt);
    // Small chunks for the first seed, sizes up to the whole length for the others.
    const max = seed === 1 ? 4 : whole;
    plans.push([`seed ${seed}`, () => 1 + Math.floor(next() * max)]);
  }
  return plans;
}

/**
 * Takes the beacon elements out of a parsed output; returns why they are not exactly one
 * working script element, or null.
 */
function takeBeacon(doc: P5.Document): string | null {
  const beacons = allElements(doc).filter((el) =>
    el.attrs.some((a) => a.name === 'src' && a.value === BEACON_SRC),
  );
  for (const beacon of beacons) detach(beacon);
  if (beacons.length !== 1) return `${beacons.length} beacon elements`;
  const beacon = beacons[0]!;
  const where = ancestorsOf(beacon, doc)
    .map((a) => a.tagName)
    .reverse()
    .join(' > ');
  if (beacon.tagName !== 'script' || beacon.namespaceURI !== NS_HTML) {
    return `the beacon is a <${beacon.tagName}> in ${beacon.namespaceURI} (in ${where})`;
  }
  if (attributeStrings(beacon).join(' ') !== `defer="" src="${BEACON_SRC}"`) {
    return `the beacon has attributes ${attributeStrings(beacon).join(' ')}`;
  }
  // A script in a template's content never runs.
  if (where.split(' > ').includes('template')) return `the beacon is inert, in ${where}`;
  return null;
}

/** Removes from `doc` every element a selector matches (with its subtree). */
function strip(doc: P5.Document, selectors: readonly string[]): P5.Document {
  for (const el of selectElements(doc, selectors.join(', '))) detach(el);
  return doc;
}

const signature = (el: P5.Element) =>
  `${el.namespaceURI} ${el.tagName} ${attributeStrings(el).join(' ')}`;

/** Elements of `doc` (as tag and attributes) that `reference` does not have as many of. */
function extraElements(doc: P5.Document, reference: P5.Document): string[] {
  const available = new Map<string, number>();
  for (const el of allElements(reference)) {
    available.set(signature(el), (available.get(signature(el)) ?? 0) + 1);
  }
  const extra: string[] = [];
  for (const el of allElements(doc)) {
    const left = available.get(signature(el)) ?? 0;
    if (left === 0) extra.push(signature(el));
    else available.set(signature(el), left - 1);
  }
  return extra;
}

interface Failure {
  pass: string;
  input: string;
  problems: string[];
  output?: string;
  expected?: string;
  actual?: string;
}

/** Runs `check` (which returns its problems), turning an exception into a failure. */
function guard(pass: string, input: string, check: (fail: Failure) => void): Failure | null {
  const failure: Failure = { pass, input, problems: [] };
  try {
    check(failure);
  } catch (error) {
    failure.problems.push(`threw ${(error as Error).stack ?? String(error)}`);
  }
  return failure.problems.length === 0 ? null : failure;
}

/** Compares dumps, recording a difference on `fail`. */
function compare(fail: Failure, problem: string, expected: string, actual: string): void {
  if (actual === expected) return;
  fail.problems.push(problem);
  fail.expected ??= expected;
  fail.actual ??= actual;
}

const never = compileSelectors(NOTHING);

/**
 * Pages with nowhere to put a script: after an optional doctype, the page is one comment
 * (or bogus comment) that never closes, before any element. A tag before the comment moves
 * the comment into the head; a tag inside it is comment text. For these the rewriter must
 * send the page exactly as it came (fail open) and say the beacon was not placed.
 */
export function hasNoInsertionPoint(input: string): boolean {
  const rest = input.replace(/^<!doctype[^>]*>/i, '').replace(/^[\t\n\f\r ]+/, '');
  if (rest.startsWith('<!--')) return !/--!?>/.test(rest.slice(4));
  return /^(<!|<\?|<\/[^A-Za-z>])/.test(rest) && !rest.includes('>');
}

/** Checks the fail-open answer for a page with no insertion point. */
function checkNoInsertionPoint(fail: Failure, input: Buffer, out: Buffer, beacon: string) {
  if (!out.equals(input)) fail.problems.push('a page with no insertion point was changed');
  if (beacon !== 'not-placed') fail.problems.push(`beacon reported as ${beacon}, not not-placed`);
}

/** Pass 1: strip selectors that match nothing; the page changes by the beacon alone. */
function checkUntouched(test: DatTest, input: Buffer, salt: number): Failure | null {
  let whole: Buffer | null = null;
  for (const [name, sizes] of chunkings(input.length, salt)) {
    const failure = guard(`no match, ${name}`, test.data, (fail) => {
      const { out, report } = run(input, never, sizes);
      if (whole !== null) {
        if (!out.equals(whole)) fail.problems.push('output differs from the unsplit output');
        fail.output = decode(out);
        return;
      }
      whole = out;
      fail.output = decode(out);
      if (hasNoInsertionPoint(decode(input))) {
        checkNoInsertionPoint(fail, input, out, report.beacon);
        return;
      }
      // Outside the injected tag, the bytes are the page's own.
      const at = out.indexOf(BEACON);
      const rest =
        at < 0 ? out : Buffer.concat([out.subarray(0, at), out.subarray(at + BEACON.length)]);
      if (!rest.equals(input)) fail.problems.push('output is not the input plus the beacon tag');
      // Parsed with scripting on only: the beacon is a script, so it can only do anything in a
      // browser that runs scripts, and with scripting off `<noscript>` parses differently
      // (as markup, not raw text) in ways that have no bearing on a page that runs the beacon.
      const expected = dumpTree(parse(decode(input), { scriptingEnabled: true }));
      const doc = parse(decode(out), { scriptingEnabled: true });
      const beacon = takeBeacon(doc);
      if (beacon !== null) fail.problems.push(`${beacon} (beacon ${report.beacon})`);
      compare(fail, 'DOM differs', expected, dumpTree(doc));
    });
    if (failure !== null) return failure;
  }
  return null;
}

/** How a document fared in a strip pass. */
type StripPath = 'exact' | 'declined';

/**
 * Pass 2: strip selectors that match. A document without parse errors is well nested, so
 * nothing in it may be declined. Where the rewriter declined nothing, the output DOM is
 * the input DOM without the matched elements. Everywhere, it removed only matched elements
 * (taking the rest of them out of the output gives the same tree as taking all of them out
 * of the input) and created no element the input did not have.
 */
function checkStripped(
  test: DatTest,
  input: Buffer,
  salt: number,
  selectors: readonly string[],
  matcher: StripMatcher,
  conforming: boolean,
): { failure: Failure | null; path: StripPath | null; removed: number } {
  let path: StripPath | null = null;
  let removed = 0;
  let whole: Buffer | null = null;
  for (const [name, sizes] of chunkings(input.length, salt).slice(0, 3)) {
    const pass = `strip ${selectors.join(', ')}; ${name}`;
    const failure = guard(pass, test.data, (fail) => {
      const { out, report } = run(input, matcher, sizes);
      fail.output = decode(out);
      if (whole !== null) {
        if (!out.equals(whole)) fail.problems.push('output differs from the unsplit output');
        return;
      }
      whole = out;
      if (hasNoInsertionPoint(decode(input))) {
        checkNoInsertionPoint(fail, input, out, report.beacon);
        return;
      }
      path = report.declined === 0 ? 'exact' : 'declined';
      removed = report.removed;
      if (conforming && report.declined > 0) {
        fail.problems.push(`declined ${report.declined} in a document without parse errors`);
      }
      const doc = parse(decode(out));
      const beacon = takeBeacon(doc);
      if (beacon !== null) fail.problems.push(`${beacon} (beacon ${report.beacon})`);
      const extra = extraElements(doc, parse(decode(input)));
      if (extra.length > 0) fail.problems.push(`elements not in the input: ${extra.join('; ')}`);
      const expected = dumpTree(strip(parse(decode(input)), selectors));
      if (path === 'exact') {
        compare(fail, 'DOM is not the input minus the matched elements', expected, dumpTree(doc));
      } else {
        compare(
          fail,
          `declined ${report.declined}, yet the DOM changed beyond the matched elements`,
          expected,
          dumpTree(strip(doc, selectors)),
        );
      }
    });
    if (failure !== null) return { failure, path, removed };
  }
  return { failure: null, path, removed };
}

/** A failing case, for the reader of the test output. */
function describe(f: Failure & { test: string }): string {
  const lines = [
    `FAIL ${f.test} [${f.pass}]`,
    ...f.problems.map((p) => `  - ${p}`),
    `  input:  ${JSON.stringify(f.input)}`,
    `  output: ${JSON.stringify(f.output ?? null)}`,
  ];
  if (f.expected !== undefined && f.actual !== undefined) {
    lines.push('  expected DOM:', indent(f.expected), '  actual DOM:', indent(f.actual));
  }
  return lines.join('\n');
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

const matchers = Object.fromEntries(
  Object.entries(STRIP_SETS).map(([name, selectors]) => [name, compileSelectors(selectors)]),
);

const totals = {
  documents: 0,
  fragments: 0,
  conforming: 0,
  untouchedPassed: 0,
  noInsertionPoint: 0,
};
const stripTotals: Record<
  string,
  Record<StripPath | 'failed' | 'removed' | 'pages', number>
> = Object.fromEntries(
  Object.keys(STRIP_SETS).map((name) => [
    name,
    { exact: 0, declined: 0, failed: 0, removed: 0, pages: 0 },
  ]),
);
const allFailures: string[] = [];

const files = listDatFiles();

for (const [fileIndex, file] of files.entries()) {
  t.test(file, async (t) => {
    const tests = readDatFile(file);
    const failures: (Failure & { test: string })[] = [];
    let documents = 0;
    let fragments = 0;
    let untouchedPassed = 0;
    let conforming = 0;
    for (const test of tests) {
      // A fragment is parsed in the context of an element, not as a page.
      if (test.fragmentContext !== null) {
        fragments++;
        continue;
      }
      documents++;
      if (hasNoInsertionPoint(test.data)) totals.noInsertionPoint++;
      const input = Buffer.from(test.data, 'utf8');
      // Each document gets its own chunk sizes, the same on every run.
      const salt = fileIndex * 1000 + test.index;
      // The corpus lists no errors for scripted tests, so parse5 has its say too.
      let parseErrors = test.errors;
      parse(decode(input), { onParseError: () => parseErrors++ });
      if (parseErrors === 0) conforming++;
      const name = `${file} #${test.index} (line ${test.line})`;
      const untouched = checkUntouched(test, input, salt);
      if (untouched === null) untouchedPassed++;
      else failures.push({ test: name, ...untouched });
      for (const [set, selectors] of Object.entries(STRIP_SETS)) {
        const { failure, path, removed } = checkStripped(
          test,
          input,
          salt,
          selectors,
          matchers[set]!,
          parseErrors === 0,
        );
        if (path !== null) stripTotals[set]![path]++;
        stripTotals[set]!.removed += removed;
        if (removed > 0) stripTotals[set]!.pages++;
        if (failure !== null) {
          stripTotals[set]!.failed++;
          failures.push({ test: name, ...failure });
        }
      }
    }
    totals.documents += documents;
    totals.fragments += fragments;
    totals.untouchedPassed += untouchedPassed;
    totals.conforming += conforming;
    for (const f of failures) {
      allFailures.push(
        `${f.test} [${f.pass}] ${f.problems.join('; ')}: ${JSON.stringify(f.input)}`,
      );
    }
    t.comment(`${documents} documents, ${fragments} fragment tests skipped`);
    t.equal(tests.length, countDataLines(file), 'every test of the file was read');
    for (const f of failures) t.comment(describe(f));
    t.equal(failures.length, 0, `every document of ${file} survives the rewriter`);
  });
}

t.test('the whole corpus', async (t) => {
  t.equal(totals.documents, EXPECTED_DOCUMENTS, 'every full document of the corpus was run');
  t.equal(totals.fragments, EXPECTED_FRAGMENTS, 'only the fragment tests were skipped');
  t.comment(`${totals.conforming} documents without parse errors`);
  // tests1 #38–42, comments01 #13, tests6 #5, tests2 #34, #42, #58: one unclosed comment.
  t.equal(totals.noInsertionPoint, 10, 'pages with no insertion point are served unmodified');
  t.comment(`beacon only: ${totals.untouchedPassed} of ${totals.documents} documents pass`);
  for (const [set, counts] of Object.entries(stripTotals)) {
    t.comment(
      `strip ${STRIP_SETS[set]!.join(', ')}: ${counts.exact} documents with nothing declined, ${counts.declined} with declined matches, ${counts.failed} failed; ${counts.removed} elements removed from ${counts.pages} documents`,
    );
  }
  for (const line of allFailures) t.comment(line);
  t.equal(allFailures.length, 0, 'no document fails');
});
