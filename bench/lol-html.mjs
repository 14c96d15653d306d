// The lol-html (wasm) reference rewriter of the benchmarks: removes the same strip selectors
// and appends the beacon tag to the head, as helpgate does.
import { HTMLRewriter } from 'html-rewriter-wasm';
import { BEACON_TAG, STRIP } from './fixtures.mjs';

/** A lol-html rewriter for one page; `onChunk` receives its output as it is produced. */
export function createLolHtmlRewriter(onChunk) {
  const rewriter = new HTMLRewriter(onChunk);
  const remove = {
    element(element) {
      element.remove();
    },
  };
  for (const selector of STRIP) rewriter.on(selector, remove);
  rewriter.on('head', {
    element(element) {
      element.append(BEACON_TAG, { html: true });
    },
  });
  return rewriter;
}
