import t from 'tap';
import {
  charsetFromContentType,
  encodingForLabel,
  sniffCharset,
} from '../../src/rewrite/charset.js';
import { BEACON, rewriteBytes } from './_rewrite-helpers.js';

t.test('the encoding is found as browsers find it', async (t) => {
  const page = (meta: string) => Buffer.from(`<html><head>${meta}<title>t</title></head></html>`);
  const utf8Bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), page('')]);
  t.equal(sniffCharset(utf8Bom, 'windows-1252', true)?.source, 'bom', 'BOM beats the header');
  t.equal(
    sniffCharset(page('<meta charset=shift_jis>'), 'iso-8859-1', true)?.encoding,
    'windows-1252',
  );
  t.equal(sniffCharset(page('<meta charset=shift_jis>'), null, true)?.encoding, 'shift_jis');
  t.equal(
    sniffCharset(
      page('<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">'),
      null,
      true,
    )?.encoding,
    'euc-jp',
  );
  t.equal(sniffCharset(page('<!-- <meta charset=koi8-r> -->'), null, true)?.source, 'default');
  t.equal(
    sniffCharset(page('<meta charset=utf-16>'), null, true)?.encoding,
    'utf-8',
    'a page cannot say UTF-16',
  );
  t.equal(sniffCharset(page(''), null, false), null, 'waits for 1024 bytes or the end');
  t.equal(charsetFromContentType('text/html; charset="Shift_JIS"'), 'Shift_JIS');
  t.equal(encodingForLabel('latin1'), 'windows-1252');
  t.equal(encodingForLabel('no-such-charset'), null);
});

t.test('pages in ASCII-compatible encodings stay byte-identical outside the changes', async (t) => {
  const cases: [string, Buffer, string | null][] = [
    // "Café – Zürich" in windows-1252 (0x96 is an en dash there)
    ['windows-1252', Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x5a, 0xfc]), null],
    // "日本語" in Shift_JIS: trail bytes in the ASCII range must not confuse the tokenizer
    ['shift_jis', Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x83, 0x5c, 0x3e]), 'Shift_JIS'],
    ['iso-8859-1', Buffer.from([0xa9, 0x20, 0xe0, 0xff]), 'ISO-8859-1'],
  ];
  for (const [name, text, header] of cases) {
    const head = Buffer.from(`<html><head><meta charset="${name}"><title>`);
    const mid = Buffer.from('</title></head><body><p class=help>');
    const tail = Buffer.from('</p><p>');
    const end = Buffer.from('</p></body></html>');
    const page = Buffer.concat([head, text, mid, text, tail, text, end]);
    const { out, report } = rewriteBytes(page, { strip: ['.help'], charset: header, chunks: [7] });
    const expected = Buffer.concat([
      head,
      text,
      Buffer.from(`</title>${BEACON}</head><body>`),
      tail.subarray(4),
      text,
      end,
    ]);
    t.ok(out.equals(expected), name);
    t.equal(report.charset?.asciiCompatible, true);
  }
});

t.test('UTF-16 pages pass through untouched', async (t) => {
  const html = '<html><head><title>t</title></head><body><p class=help>x</p></body></html>';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(html, 'utf16le')]);
  const { out, report } = rewriteBytes(le, { strip: ['.help'], chunks: [5] });
  t.ok(out.equals(le));
  t.equal(report.rewritten, false);
  t.match(report.reason, /utf-16le/);
  const byHeader = Buffer.from(html, 'utf16le');
  t.ok(
    rewriteBytes(byHeader, { charset: 'utf-16' }).out.equals(byHeader),
    'declared in the header',
  );
});
