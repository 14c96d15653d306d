import t from 'tap';
import { compileSelectors } from '../../src/rewrite/compile-selectors.js';
import { createHtmlRewriter } from '../../src/rewrite/html-rewriter.js';
import { BEACON, random, rewriteBytes } from './_rewrite-helpers.js';

// A browser's decoder takes a UTF-8 byte order mark off before the HTML tokenizer sees a byte
// (Encoding, "decode"; HTML §13.2.3.1), and takes it for a BOM only when it is the very first
// three bytes. So the rewritten page must be the BOM followed by what the same page without it
// rewrites to: a tag put before the BOM turns it into text (the page is read as windows-1252,
// mojibake) and puts a tag before the DOCTYPE (quirks mode).

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const withBom = (page: string) => Buffer.concat([BOM, Buffer.from(page, 'utf8')]);

/** UTF-8 pages such as Windows tools and IIS/ASP.NET sites save them. */
const PAGES: [string, string][] = [
  [
    'DOCTYPE and head',
    '<!DOCTYPE HTML>\r\n<html lang="de"><head><meta charset="utf-8"><title>Café Zürich – Menü</title></head>\r\n<body><div class="help">Hilfe</div><p>Grüße</p></body></html>\r\n',
  ],
  [
    'DOCTYPE, no head',
    '<!DOCTYPE html><html><body class=x><p>naïve</p><div class=help>?</div></body></html>',
  ],
  ['DOCTYPE, implied head', '<!DOCTYPE html><title>Ærø</title><p>x<div class=help>?</div>'],
  [
    'an old DOCTYPE',
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n<HTML><HEAD><TITLE>Übersicht</TITLE></HEAD><BODY><P>ß</P></BODY></HTML>',
  ],
  ['no DOCTYPE, head', '<html><head><title>façade</title></head><body><p>x</p></body></html>'],
  ['no DOCTYPE, no head', '<p>déjà vu</p><div class=help>?</div>'],
  ['text only', 'Grüße aus Köln'],
  ['whitespace, then a comment and a DOCTYPE', '\r\n  <!-- saved by a tool --><!DOCTYPE html><p>é'],
  ['nothing after the BOM', ''],
];

t.test(
  'a UTF-8 BOM stays the first bytes: the beacon never goes before it (mojibake and quirks mode)',
  async (t) => {
    for (const [name, page] of PAGES) {
      const plain = rewriteBytes(page, { strip: ['.help'], charset: 'utf-8' });
      // The header may say nothing, the same, or something else: the BOM wins.
      for (const charset of [null, 'utf-8', 'windows-1252', 'utf-16']) {
        const { out, report } = rewriteBytes(withBom(page), { strip: ['.help'], charset });
        const label = `${name} (Content-Type charset ${charset})`;
        t.same(out.subarray(0, 3), BOM, `${label}: the BOM comes first`);
        t.same(out, Buffer.concat([BOM, plain.out]), `${label}: the rest is the page without it`);
        t.equal(report.charset?.source, 'bom', label);
        t.equal(report.beacon, plain.report.beacon, `${label}: the beacon goes where it went`);
        t.equal(report.removed, plain.report.removed, `${label}: the same elements removed`);
      }
    }
    const { out } = rewriteBytes(withBom(PAGES[0]![1]), { strip: ['.help'], charset: null });
    t.equal(
      out.toString('latin1', 0, 20),
      '\xef\xbb\xbf<!DOCTYPE HTML>\r\n',
      'the DOCTYPE stays right after the BOM',
    );
    t.equal(
      out.toString('utf8'),
      `\ufeff${PAGES[0]![1].replace('</title>', `</title>${BEACON}`).replace('<div class="help">Hilfe</div>', '')}`,
    );
    // Only the first is taken off: a second BOM is a character, which starts the body.
    t.equal(
      rewriteBytes(withBom('\ufeff<!DOCTYPE html><title>t</title><p>x')).out.toString('utf8'),
      `\ufeff${BEACON}\ufeff<!DOCTYPE html><title>t</title><p>x`,
      'a second BOM is text',
    );
  },
);

t.test('a UTF-8 BOM stays first in any chunking, a chunk boundary inside it too', async (t) => {
  for (const [name, page] of PAGES) {
    const input = withBom(page);
    const whole = rewriteBytes(input, { strip: ['.help'], bodyEnd: '<i>end</i>' }).out;
    t.same(whole.subarray(0, 3), BOM, `${name}: whole`);
    let differing = 0;
    for (let size = 1; size <= 8; size++) {
      const out = rewriteBytes(input, { strip: ['.help'], bodyEnd: '<i>end</i>', chunks: [size] });
      if (!out.out.equals(whole)) differing++;
    }
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const chunks = Array.from({ length: 30 }, () => 1 + Math.floor(next() * 12));
      const out = rewriteBytes(input, { strip: ['.help'], bodyEnd: '<i>end</i>', chunks });
      if (!out.out.equals(whole)) differing++;
    }
    t.equal(differing, 0, `${name}: every chunking gives the whole page's output`);
  }
});

t.test(
  'a slow page is not decided inside its BOM: the prescan timeout waits for the third byte',
  async (t) => {
    // When the rest of a page is slow to come, the charset is decided on what has arrived;
    // a browser still waits for three bytes before it rules out a BOM.
    const page = PAGES[0]![1];
    const expected = Buffer.concat([BOM, rewriteBytes(page, { charset: null }).out]);
    for (const cut of [1, 2]) {
      const rewriter = createHtmlRewriter({
        matcher: compileSelectors([]),
        beaconTag: () => BEACON,
        nonce: null,
        contentTypeCharset: null,
        maxBytes: 1 << 20,
      });
      const input = withBom(page);
      const out = [...rewriter.write(input.subarray(0, cut)), ...rewriter.flush()];
      t.equal(rewriter.report.charset, null, `${cut} BOM bytes: not decided yet`);
      out.push(...rewriter.write(input.subarray(cut, 3)), ...rewriter.flush());
      out.push(...rewriter.write(input.subarray(3)), ...rewriter.end());
      t.same(Buffer.concat(out), expected, `${cut} BOM bytes, then the rest`);
      t.equal(rewriter.report.charset?.source, 'bom');
    }
  },
);

t.test('a UTF-8 BOM stays first on a page longer than maxBytes', async (t) => {
  const page = `<!DOCTYPE html><html><head><title>t</title></head><body>${'<p>ü</p>'.repeat(50)}</body></html>`;
  for (const maxBytes of [10, 60, 200]) {
    const plain = rewriteBytes(page, { maxBytes: maxBytes - 3, chunks: [16] }).out;
    const { out, report } = rewriteBytes(withBom(page), { maxBytes, chunks: [16] });
    t.same(out, Buffer.concat([BOM, plain]), `maxBytes ${maxBytes}`);
    t.ok(report.truncated);
  }
});
