// Micro-benchmark of the rewrite step alone (no HTTP): MB/s of the byte-splicing rewriter on a
// ~150 KB page with five strip selectors and the beacon, whole and in 16 KiB chunks.
// Run after `npm run build`: node bench/rewrite-step.mjs
import { compileSelectors } from '../dist/src/rewrite/compile-selectors.js';
import { createHtmlRewriter } from '../dist/src/rewrite/html-rewriter.js';

const row = (i) =>
  `<tr class="row-${i % 7}"><td><a href="/product/${i}?ref=list&amp;x=1">Product ${i}</a></td>` +
  `<td class="price">${(i * 1.37).toFixed(2)} &euro;</td><td><img src="/img/${i}.png" alt="" width=40></td></tr>\n`;
const page = Buffer.from(
  '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Catalogue</title>' +
    '<link rel="stylesheet" href="/s.css"><script>window.dataLayer=[];if(a<b){}</script></head>' +
    '<body><header id="top"><nav><a href="/">Home</a><a href="/help" class="help-link">Help</a></nav></header>' +
    '<main><!-- catalogue --><table class="products">' +
    Array.from({ length: 1000 }, (_, i) => row(i)).join('') +
    '</table></main><div id="help-widget" class="widget"><p>Chat with us</p></div>' +
    '<footer><ul><li><a href="/about">About</a><li class="help"><a href="/help">Help</a></ul></footer>' +
    '</body></html>',
);
const matcher = compileSelectors([
  '#help-widget',
  '.help-link',
  'footer .help',
  'a[href="/faq"]',
  '[data-help]',
]);
const beacon = '<script src="/__helpgate/beacon.js?v=abc" defer></script>';

function once(chunkSize) {
  const r = createHtmlRewriter({
    matcher,
    beaconTag: () => beacon,
    nonce: null,
    contentTypeCharset: null,
    maxBytes: 8 * 1024 * 1024,
  });
  let n = 0;
  for (let i = 0; i < page.length; i += chunkSize)
    for (const b of r.write(page.subarray(i, i + chunkSize))) n += b.length;
  for (const b of r.end()) n += b.length;
  return n;
}

for (const [label, size] of [
  ['whole page', page.length],
  ['16 KiB chunks', 16 * 1024],
]) {
  for (let i = 0; i < 200; i++) once(size);
  const runs = 1000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) once(size);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mbps = (page.length * runs) / seconds / 1e6;
  console.log(
    `${label.padEnd(14)} ${(page.length / 1024).toFixed(0)} KB  ${((seconds / runs) * 1000).toFixed(3)} ms/page  ${mbps.toFixed(0)} MB/s`,
  );
}
