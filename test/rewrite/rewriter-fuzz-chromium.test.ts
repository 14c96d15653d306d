import t from 'tap';
import { launchBrowser } from '../fixtures/browser.js';
import { openChromiumParser, withChromium } from '../fixtures/chromium-parser.js';
import { dumpTree } from '../fixtures/html5lib-corpus.js';
import { randomPage } from '../fixtures/random-page.js';
import { describe, type Failure } from '../fixtures/rewrite-oracle.js';
import { checkPage } from './_fuzz.js';
import { random } from './_rewrite-helpers.js';

// The fuzz test's checks with Chromium's parser as the oracle instead of parse5: what helpgate
// must match is what browsers build. The pages also have the shapes the parse5 fuzz test
// leaves out because parse5 builds another tree there (a table or a column in a template's
// content, NULs that meet in SVG). Fewer pages than with parse5: a browser parses each one.
// For a longer hunt: HELPGATE_FUZZ_CHROMIUM_PAGES=20000 HELPGATE_FUZZ_SEED=<n> (and
// HELPGATE_FUZZ_TOKENS, as in rewriter-fuzz.test.ts).

const PAGES = Number(process.env.HELPGATE_FUZZ_CHROMIUM_PAGES ?? 300);
const SEED = Number(process.env.HELPGATE_FUZZ_SEED ?? 20261130);
const TOKENS = Number(process.env.HELPGATE_FUZZ_TOKENS ?? 40);
const BATCH = 50;

t.test(`${PAGES} random pages survive the rewriter, as Chromium parses them`, async (t) => {
  const parser = await openChromiumParser(await launchBrowser(t));
  const next = random(SEED);
  const failures: (Failure & { test: string })[] = [];
  const stats = { removed: 0, declined: 0 };
  // Pages go in batches: the browser parses what a batch asks for in a few round trips.
  for (let first = 0; first < PAGES && failures.length < 5; first += BATCH) {
    const pages = Array.from({ length: Math.min(BATCH, PAGES - first) }, () =>
      randomPage(next, TOKENS, 'chromium'),
    );
    const results = await withChromium(parser, () =>
      pages.map((data, k) => checkPage(data, first + k, parser.parse)),
    );
    parser.clear();
    for (const result of results) {
      for (const f of result.failures) failures.push({ ...f, test: `${f.test} (Chromium)` });
      stats.removed += result.removed;
      stats.declined += result.declined;
    }
  }
  t.comment(`${stats.removed} elements removed; ${stats.declined} strip passes declined some`);
  for (const f of failures) t.comment(describe(f));
  t.equal(failures.length, 0, 'no page fails');
});

t.test('the oracle is Chromium: it parses where parse5 does not', async (t) => {
  // A check that cannot fail is no check: these documents give another tree in Chromium
  // than in parse5, and the parser must give Chromium's.
  const parser = await openChromiumParser(await launchBrowser(t));
  const dump = (html: string) => withChromium(parser, () => dumpTree(parser.parse(html)));
  const body = (...lines: string[]) =>
    ['| <html>', '|   <head>', '|   <body>', ...lines.map((l) => `|     ${l}`)].join('\n');
  t.equal(
    await dump('<select><div>a</div></select>'),
    body('<select>', '  <div>', '    "a"'),
    'a <div> stays in a customizable select (parse5: dropped)',
  );
  t.equal(
    await dump('<svg><g>\u0000\u0000</g></svg>'),
    body('<svg svg>', '  <svg g>', '    "\ufffd\ufffd"'),
    'one U+FFFD per NUL in SVG (parse5: one for both)',
  );
  t.equal(
    await dump('<noscript><b>x</b></noscript>'),
    ['| <html>', '|   <head>', '|     <noscript>', '|       "<b>x</b>"', '|   <body>'].join('\n'),
    'scripting is on: <noscript> holds text',
  );
  t.equal(
    await dump('<script>document.write("<p>ran")</script>'),
    [
      '| <html>',
      '|   <head>',
      '|     <script>',
      '|       "document.write("<p>ran")"',
      '|   <body>',
    ].join('\n'),
    'no script of the page runs',
  );
});
