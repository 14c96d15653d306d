import { parse } from 'parse5';
import t from 'tap';
import { compileSelectors } from '../../src/rewrite/compile-selectors.js';
import {
  CORPUS_STRIP_SETS,
  countDataLines,
  listDatFiles,
  readDatFile,
} from '../fixtures/html5lib-corpus.js';
import {
  checkBomPrefix,
  checkStripped,
  checkUntouched,
  decode,
  describe,
  type Failure,
  hasNoInsertionPoint,
  type StripPath,
  UTF8_BOM,
} from '../fixtures/rewrite-oracle.js';

// Every full document of the html5lib tree-construction tests goes through the rewriter, and
// what a browser's parser (parse5 follows the HTML spec; it passes all of these tests itself)
// builds from the output must be what it builds from the input, plus the beacon and minus the
// stripped elements — whole, unsplit or split into chunks at any byte. Each document also goes
// through with a UTF-8 byte order mark before it, which must stay the first bytes (a tag before
// it turns it into text: the page is read as windows-1252 and in quirks mode).

/** Full documents and `#document-fragment` tests in the vendored corpus. */
const EXPECTED_DOCUMENTS = 1556;
const EXPECTED_FRAGMENTS = 194;

const STRIP_SETS: Record<string, string[]> = CORPUS_STRIP_SETS;

const matchers = Object.fromEntries(
  Object.entries(STRIP_SETS).map(([name, selectors]) => [name, compileSelectors(selectors)]),
);

const totals = {
  documents: 0,
  fragments: 0,
  conforming: 0,
  untouchedPassed: 0,
  noInsertionPoint: 0,
  bomPassed: 0,
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
      const untouched = checkUntouched(test.data, input, salt);
      if (untouched === null) untouchedPassed++;
      else failures.push({ test: name, ...untouched });
      // The same checks on the page after a BOM (the oracle's decoder takes it off, as
      // browsers do, only when it comes first).
      const bomUntouched = checkUntouched(test.data, Buffer.concat([UTF8_BOM, input]), salt);
      if (bomUntouched === null) totals.bomPassed++;
      else failures.push({ test: `${name} after a UTF-8 BOM`, ...bomUntouched });
      for (const [set, selectors] of Object.entries(STRIP_SETS)) {
        const { failure, path, removed } = checkStripped(
          test.data,
          input,
          salt,
          selectors,
          matchers[set]!,
          { conforming: parseErrors === 0, exact: true },
        );
        if (path !== null) stripTotals[set]![path]++;
        stripTotals[set]!.removed += removed;
        if (removed > 0) stripTotals[set]!.pages++;
        if (failure !== null) {
          stripTotals[set]!.failed++;
          failures.push({ test: name, ...failure });
        }
        const bom = checkBomPrefix(test.data, input, salt, selectors, matchers[set]!);
        if (bom !== null) failures.push({ test: name, ...bom });
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
  t.equal(totals.bomPassed, totals.documents, 'after a UTF-8 BOM every document passes too');
  for (const [set, counts] of Object.entries(stripTotals)) {
    t.comment(
      `strip ${STRIP_SETS[set]!.join(', ')}: ${counts.exact} documents with nothing declined, ${counts.declined} with declined matches, ${counts.failed} failed; ${counts.removed} elements removed from ${counts.pages} documents`,
    );
  }
  for (const line of allFailures) t.comment(line);
  t.equal(allFailures.length, 0, 'no document fails');
});
