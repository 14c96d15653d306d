// helpgate's HTML rewriter (from the build output) as the benchmarks apply it: the five strip
// selectors and the script tag of fixtures.mjs, a UTF-8 page.
import { compileSelectors } from '../dist/src/rewrite/compile-selectors.js';
import { createHtmlRewriter } from '../dist/src/rewrite/html-rewriter.js';
import { HtmlTokenizer } from '../dist/src/rewrite/tokenizer.js';
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

/** Text modes by element name, as the tree builder sets them for HTML elements. */
const TEXT_MODES = new Map([
  ['script', 'script'],
  ['style', 'rawtext'],
  ['textarea', 'rcdata'],
  ['title', 'rcdata'],
]);

/**
 * The tokenizer alone over `page`, with a sink that only switches the text mode after
 * `<script>`, `<style>`, `<textarea>` and `<title>` (enough for an ordinary page): what any
 * rewrite of the page costs before a tree is built, a selector matched or a byte written.
 * Returns the number of tokens.
 */
export function tokenizeOnly(page) {
  let tokens = 0;
  const sink = {
    startTag(tag) {
      tokens++;
      const mode = TEXT_MODES.get(tag.name);
      if (mode !== undefined) tokenizer.setTextMode(mode, tag.name);
    },
    endTag() {
      tokens++;
    },
    comment() {
      tokens++;
    },
    doctype() {
      tokens++;
    },
    text() {
      tokens++;
    },
    cdataAllowed: () => false,
  };
  const tokenizer = new HtmlTokenizer(sink);
  tokenizer.write(page);
  tokenizer.end();
  return tokens;
}
