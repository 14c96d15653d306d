import { compileSelectors } from '../../src/rewrite/compile-selectors.js';
import {
  checkStripped,
  checkUntouched,
  type Failure,
  type HtmlParser,
  parse5Parser,
} from '../fixtures/rewrite-oracle.js';

// What the fuzz tests share: the strip selectors and the checks of one random page.

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

/** What the checks of one page found. */
export interface PageResult {
  failures: (Failure & { test: string })[];
  removed: number;
  /** Strip passes that declined some element. */
  declined: number;
}

/**
 * Checks page `i` (its text `data`): with selectors that match nothing, then with each set of
 * selectors that match much of it, whole and in chunks.
 */
export function checkPage(data: string, i: number, parse: HtmlParser = parse5Parser): PageResult {
  const input = Buffer.from(data, 'utf8');
  const test = `page ${i}`;
  const result: PageResult = { failures: [], removed: 0, declined: 0 };
  const untouched = checkUntouched(data, input, i, parse);
  if (untouched !== null) result.failures.push({ test, ...untouched });
  for (const [, selectors, matcher] of matchers) {
    // parse5 reports only the tokenizer's parse errors, not the tree builder's, and Chromium
    // none: neither can tell a well-nested page here, so declining (or missing a match in
    // markup the rewriter lost track of) is allowed; the corpus test holds well-nested pages
    // to every match.
    const { failure, path, removed } = checkStripped(data, input, i, selectors, matcher, {
      conforming: false,
      exact: false,
      parse,
    });
    result.removed += removed;
    if (path === 'declined') result.declined++;
    if (failure !== null) result.failures.push({ test, ...failure });
  }
  return result;
}
