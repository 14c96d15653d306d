/**
 * Rewrite step "strip help": removes the elements that match the `strip` selectors — from the
 * start tag through the end of the element as the browser's parser sees it (a void or
 * self-closing match is just its tag; a stray `</p>`, which makes an empty `<p>`, is just that
 * end tag). An element the tree builder is not certain about stays (fail open), and nothing
 * inside an element already being removed is considered again. `html`, `head` and `body` are
 * never removed: the parser recreates them whatever the bytes say.
 */
import type { StripMatcher } from './compile-selectors.js';
import { NS_HTML, type OpenElement, type TreeBuilder, type TreeListener } from './open-elements.js';
import type { Splicer } from './splicer.js';

/** Counts for the log line of a rewritten page. */
export interface StripStats {
  removed: number;
  /** Matches left in place because removing them might have changed the page elsewhere. */
  declined: number;
}

/** Creates the step; `builder` is the tree builder whose elements it hears of. */
export function createStripStep(
  matcher: StripMatcher,
  builder: TreeBuilder,
  splicer: Splicer,
  stats: StripStats,
): TreeListener {
  const stack = builder.stack;
  let region: OpenElement | null = null;
  // The last removed byte range: a start tag that only closed elements inside it is as
  // certain as one that closed nothing, since in the output those elements are gone.
  let removedStart = -1;
  let removedEnd = -1;
  return {
    elementStart(el, _tag, depth) {
      if (
        region !== null ||
        el.implied ||
        !matcher.matches(el, stack, depth, builder.inQuirksMode())
      )
        return false;
      const closedOnlyRemoved =
        el.closedFrom < 0 || (removedEnd === el.start && el.closedFrom >= removedStart);
      // The parser recreates html, head and body whatever the bytes say.
      const structural =
        el.ns === NS_HTML && (el.name === 'html' || el.name === 'head' || el.name === 'body');
      if (!el.certainStart || !closedOnlyRemoved || structural) {
        stats.declined++;
        return false;
      }
      region = el;
      splicer.hold(el.start);
      return true;
    },
    elementEnd(el, end, certain) {
      if (el !== region) return;
      region = null;
      splicer.release();
      if (certain) {
        splicer.remove(el.start, end);
        removedStart = el.start;
        removedEnd = end;
        stats.removed++;
      } else stats.declined++;
    },
  };
}
