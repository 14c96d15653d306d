import t from 'tap';
import { compileSelectors } from '../../src/rewrite/compile-selectors.js';
import { randomPage } from '../fixtures/random-page.js';
import {
  checkStripped,
  checkUntouched,
  describe,
  type Failure,
} from '../fixtures/rewrite-oracle.js';
import { random } from './_rewrite-helpers.js';

// The corpus test's promise on pages nobody wrote by hand: random token soups (see
// random-page.ts), each whole and split into chunks, with selectors that match nothing and
// with selectors that match much of them. The same seeds run every time; for a longer hunt,
// HELPGATE_FUZZ_PAGES=100000 HELPGATE_FUZZ_SEED=<n> npx tap test/rewrite/rewriter-fuzz.test.ts
// (HELPGATE_FUZZ_TOKENS=300 makes longer pages, with deeper nesting, than the 40 tokens at most).

const PAGES = Number(process.env.HELPGATE_FUZZ_PAGES ?? 2000);
const SEED = Number(process.env.HELPGATE_FUZZ_SEED ?? 20261129);
const TOKENS = Number(process.env.HELPGATE_FUZZ_TOKENS ?? 40);

const STRIP_SETS: Record<string, string[]> = {
  attributes: ['.help', '#help-widget', '[data-role=help]'],
  structure: [
    'div .help',
    'ul > li',
    'table .help',
    'p.help',
    'a.help',
    'b',
    'svg .help',
    'template',
    'select .help',
    'td.help',
    'x-widget',
  ],
};

const matchers = Object.entries(STRIP_SETS).map(
  ([name, selectors]) => [name, selectors, compileSelectors(selectors)] as const,
);

t.test(`${PAGES} random pages survive the rewriter (seed ${SEED})`, async (t) => {
  const next = random(SEED);
  const failures: (Failure & { test: string })[] = [];
  const stats = { removed: 0, declined: 0 };
  for (let i = 0; i < PAGES && failures.length < 5; i++) {
    const data = randomPage(next, TOKENS);
    const input = Buffer.from(data, 'utf8');
    const name = `page ${i}`;
    const untouched = checkUntouched(data, input, i);
    if (untouched !== null) failures.push({ test: name, ...untouched });
    for (const [, selectors, matcher] of matchers) {
      // parse5 reports only the tokenizer's parse errors, not the tree builder's: it cannot
      // tell a well-nested page here, so declining (or missing a match in markup the rewriter
      // lost track of) is allowed; the corpus test holds well-nested pages to every match.
      const { failure, path, removed } = checkStripped(data, input, i, selectors, matcher, {
        conforming: false,
        exact: false,
      });
      stats.removed += removed;
      if (path === 'declined') stats.declined++;
      if (failure !== null) failures.push({ test: name, ...failure });
    }
  }
  t.comment(`${stats.removed} elements removed; ${stats.declined} strip passes declined some`);
  for (const f of failures) t.comment(describe(f));
  t.equal(failures.length, 0, 'no page fails');
});
