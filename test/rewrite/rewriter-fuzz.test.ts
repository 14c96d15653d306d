import t from 'tap';
import { randomPage } from '../fixtures/random-page.js';
import { describe, type Failure } from '../fixtures/rewrite-oracle.js';
import { checkPage } from './_fuzz.js';
import { random } from './_rewrite-helpers.js';

// The corpus test's promise on pages nobody wrote by hand: random token soups (see
// random-page.ts), each whole and split into chunks, with selectors that match nothing and
// with selectors that match much of them (see _fuzz.ts), parse5 the oracle. The same seeds run
// every time; for a longer hunt,
// HELPGATE_FUZZ_PAGES=100000 HELPGATE_FUZZ_SEED=<n> npx tap test/rewrite/rewriter-fuzz.test.ts
// (HELPGATE_FUZZ_TOKENS=300 makes longer pages, with deeper nesting, than the 40 tokens at most).
// rewriter-fuzz-chromium.test.ts runs the same checks with Chromium's parser as the oracle.

const PAGES = Number(process.env.HELPGATE_FUZZ_PAGES ?? 2000);
const SEED = Number(process.env.HELPGATE_FUZZ_SEED ?? 20261129);
const TOKENS = Number(process.env.HELPGATE_FUZZ_TOKENS ?? 40);

t.test(`${PAGES} random pages survive the rewriter (seed ${SEED})`, async (t) => {
  const next = random(SEED);
  const failures: (Failure & { test: string })[] = [];
  const stats = { removed: 0, declined: 0 };
  for (let i = 0; i < PAGES && failures.length < 5; i++) {
    const result = checkPage(randomPage(next, TOKENS), i);
    failures.push(...result.failures);
    stats.removed += result.removed;
    stats.declined += result.declined;
  }
  t.comment(`${stats.removed} elements removed; ${stats.declined} strip passes declined some`);
  for (const f of failures) t.comment(describe(f));
  t.equal(failures.length, 0, 'no page fails');
});
