import { compileSelectors } from '../../src/rewrite/compile-selectors.js';
import { createHtmlRewriter } from '../../src/rewrite/html-rewriter.js';
const m = compileSelectors(['.help', '#chat', 'a[href^="/help"]', 'footer .x']);
const run = (html: string, split = 0) => {
  const r = createHtmlRewriter({ matcher: m, beaconTag: (n) => `<script src="/b.js"${n ? ` nonce="${n}"` : ''}></script>`, nonce: null, contentTypeCharset: 'utf-8', maxBytes: 1e9, bodyEnd: '<!--END-->' });
  const b = Buffer.from(html);
  const out: Buffer[] = [];
  if (split) for (let i = 0; i < b.length; i += split) out.push(...r.write(b.subarray(i, i + split)));
  else out.push(...r.write(b));
  out.push(...r.end());
  return Buffer.concat(out).toString() + '   ' + JSON.stringify({ ...r.report, charset: undefined });
};
const docs = [
  '<!DOCTYPE html><html><head><meta charset=utf-8><title>x</title></head><body><div class="help">H<p>x</div><p>keep<a href="/help/1">h</a></body></html>',
  '<!doctype html><p>hi<ul><li>One<li class=help>Two<li>Three</ul>',
  '<head><script>var a="</head><div class=help>";</script></head><body>x</body>',
  '<!-- </head> --><html><HEAD><META CHARSET=UTF-8></HEAD><BODY CLASS=x><DIV ID=chat>c</DIV></BODY>',
  '<div class=help><b>bold</div>after',
  '<table><tr><td><div class=help>x</div></td></tr></table>',
  '<svg><foreignObject><div class=help>x</div></foreignObject><![CDATA[ <div class=help> ]]></svg><div class=help>y</div>',
  '<script><!--<script>x</script>--><div class=help></script><p>ok',
  '',
  'just text',
];
for (const d of docs) { console.log(run(d)); for (const s of [1,2,3,7]) { const a = run(d, s); if (a !== run(d)) console.log('  SPLIT MISMATCH', s, a); } }
