/**
 * Rewrite step "strip help": removes the elements that match the `strip` selectors — from the
 * start tag through the end of the element as the browser's parser sees it (a void or
 * self-closing match is just its tag). An element the tree builder is not certain about stays
 * (fail open), and nothing inside an element already being removed is considered again.
 */
import type { StripMatcher } from './compile-selectors.js';
import type { OpenElement, TreeListener } from './open-elements.js';
import type { Splicer } from './splicer.js';

/** Counts for the log line of a rewritten page. */
export interface StripStats {
  removed: number;
  /** Matches left in place because removing them might have changed the page elsewhere. */
  declined: number;
}

/** Creates the step; `stack` is the tree builder's live stack of open elements. */
export function createStripStep(
  matcher: StripMatcher,
  stack: readonly OpenElement[],
  splicer: Splicer,
  stats: StripStats,
): TreeListener {
  let region: OpenElement | null = null;
  return {
    elementStart(el, _tag, depth, isVoid) {
      if (region !== null || el.implied || !matcher.matches(el, stack, depth)) return;
      if (!el.certainStart) {
        stats.declined++;
        return;
      }
      if (isVoid) {
        splicer.remove(el.start, el.tagEnd);
        stats.removed++;
        return;
      }
      region = el;
      splicer.hold(el.start);
    },
    elementEnd(el, end, certain) {
      if (el !== region) return;
      region = null;
      splicer.release();
      if (certain) {
        splicer.remove(el.start, end);
        stats.removed++;
      } else stats.declined++;
    },
  };
}
