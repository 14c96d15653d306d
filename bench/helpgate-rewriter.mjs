// helpgate's HTML rewriter (from the build output) as the benchmarks apply it: the five strip
// selectors and the script tag of fixtures.mjs, a UTF-8 page.
import { compileSelectors } from '../dist/src/rewrite/compile-selectors.js';
import { createHtmlRewriter } from '../dist/src/rewrite/html-rewriter.js';
import { BEACON_TAG, STRIP } from './fixtures.mjs';

const matcher = compileSelectors(STRIP);

/** A rewriter for one page: `write(chunk)` and `end()` return the output chunks. */
export function createBenchRewriter() {
  return createHtmlRewriter({
    matcher,
    beaconTag: () => BEACON_TAG,
    nonce: null,
    contentTypeCharset: 'utf-8',
    maxBytes: 8 * 1024 * 1024,
  });
}
