/**
 * Pages that start with a byte order mark, through the whole request path: a real upstream on
 * 127.0.0.1:0 and helpgate in front, read as raw bytes (no client-side decoding).
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { createLogger } from '../../src/logger.js';
import { startHelpgate, startServer } from '../fixtures/servers.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A page as an IIS/ASP.NET site or a Windows editor saves it. */
const PAGE = `<!DOCTYPE html>\r
<html lang="de"><head><meta charset="utf-8"><title>Café Zürich – Menü</title></head>\r
<body><div class="help">Hilfe</div><p>Grüße aus Köln</p></body></html>\r
`;

const BEACON = /<script src="\/__helpgate\/beacon\.js\?v=[0-9a-f]{12}" defer[^>]*><\/script>/;

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET over a fresh connection, the body as it came over the wire. */
function get(base: string, path: string, headers: OutgoingHttpHeaders = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${path}`, { agent: false, headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
          }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Writes `body` in the given pieces, each after `gapMs` (longer than the first-byte wait). */
async function trickle(res: http.ServerResponse, body: Buffer, cuts: number[], gapMs: number) {
  let at = 0;
  for (const cut of [...cuts, body.length]) {
    res.write(body.subarray(at, cut));
    at = cut;
    await delay(gapMs);
  }
  res.end();
}

async function site(t: Test, pages: Record<string, [OutgoingHttpHeaders, Buffer]>) {
  return startServer(t, (req, res) => {
    const path = req.url ?? '/';
    if (path === '/slow-bom') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      // The first byte alone, then the rest of the BOM with the start of the page.
      void trickle(res, Buffer.concat([BOM, Buffer.from(PAGE)]), [1, 3, 40, 120], 30);
      return;
    }
    const page = pages[path];
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': page[1].length, ...page[0] });
    res.end(page[1]);
  });
}

t.test(
  'a UTF-8 BOM stays the first bytes through helpgate: the beacon never goes before it (mojibake and quirks mode)',
  async (t) => {
    const html = { 'content-type': 'text/html; charset=utf-8' };
    const gzip = { 'content-type': 'text/html', 'content-encoding': 'gzip' };
    const upstream = await site(t, {
      '/plain': [html, Buffer.from(PAGE)],
      '/bom': [html, Buffer.concat([BOM, Buffer.from(PAGE)])],
      '/bom-no-charset': [{ 'content-type': 'text/html' }, Buffer.concat([BOM, Buffer.from(PAGE)])],
      '/bom-gzip': [gzip, gzipSync(Buffer.concat([BOM, Buffer.from(PAGE)]))],
    });
    const { url } = await startHelpgate(t, { upstream: upstream.url, strip: ['.help'] });
    const plain = await get(url, '/plain');
    t.match(plain.body.toString(), BEACON, 'the page without a BOM gets the beacon');
    t.notMatch(plain.body.toString(), 'Hilfe', 'and loses its help');
    const expected = Buffer.concat([BOM, plain.body]);
    for (const path of ['/bom', '/bom-no-charset', '/bom-gzip', '/slow-bom']) {
      const got = await get(url, path);
      const body = path === '/bom-gzip' ? gunzipSync(got.body) : got.body;
      t.same(body.subarray(0, 3), BOM, `${path}: the BOM comes first`);
      t.equal(
        body.toString('latin1', 3, 18),
        '<!DOCTYPE html>',
        `${path}: the DOCTYPE right after it`,
      );
      t.same(body, expected, `${path}: the rest is what the page without it becomes`);
    }
  },
);

t.test('a UTF-8 BOM page sent again from the rewrite cache keeps its BOM first', async (t) => {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('debug', { write: (line: string) => logs.push(JSON.parse(line)) });
  const body = Buffer.concat([BOM, Buffer.from(PAGE)]);
  const upstream = await site(t, {
    '/bom': [{ 'content-type': 'text/html; charset=utf-8' }, body],
    '/bom-gzip': [{ 'content-type': 'text/html', 'content-encoding': 'gzip' }, gzipSync(body)],
  });
  const { url } = await startHelpgate(t, { upstream: upstream.url, strip: ['.help'] }, { logger });
  for (const path of ['/bom', '/bom-gzip']) {
    const decode = (b: Buffer) => (path === '/bom-gzip' ? gunzipSync(b) : b);
    const first = decode((await get(url, path)).body);
    const again = decode((await get(url, path)).body);
    t.same(first.subarray(0, 3), BOM, `${path}: rewritten`);
    t.match(first.toString(), BEACON);
    t.same(again, first, `${path}: the cached copy is the same bytes`);
    const cached = logs.filter((l) => l.url === path && l.cached === true);
    t.equal(cached.length, 1, `${path}: the second came from the cache`);
  }
});

t.test(
  'a UTF-16 page passes through byte for byte: no beacon, its help elements stay',
  async (t) => {
    // Markup in UTF-16 is not ASCII bytes: the page is neither rewritten nor re-encoded.
    const page = PAGE.replace('charset="utf-8"', 'charset="utf-16"');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(page, 'utf16le')]);
    const be = Buffer.from(
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(page, 'utf16le')]),
    );
    for (let i = 2; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    const headers = {
      'content-type': 'text/html',
      etag: '"u16"',
      'accept-ranges': 'bytes',
      'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
      'x-site': 'kept',
    };
    const pages: Record<string, [OutgoingHttpHeaders, Buffer]> = {
      '/le-bom': [headers, le],
      '/be-bom': [headers, be],
      '/le-bom-gzip': [{ ...headers, 'content-encoding': 'gzip' }, gzipSync(le, { level: 1 })],
      '/header': [
        { ...headers, 'content-type': 'text/html; charset=UTF-16LE' },
        Buffer.from(page, 'utf16le'),
      ],
      '/header-gzip': [
        { ...headers, 'content-type': 'text/html; charset="utf-16"', 'content-encoding': 'gzip' },
        gzipSync(le, { level: 1 }),
      ],
    };
    const upstream = await site(t, pages);
    const { url } = await startHelpgate(t, { upstream: upstream.url, strip: ['.help'] });
    const comparable = (h: IncomingHttpHeaders) => {
      const { date: _date, 'set-cookie': _cookie, 'cache-control': _cc, ...rest } = h;
      return rest;
    };
    for (const [path, [sent, bytes]] of Object.entries(pages)) {
      const got = await get(url, path);
      t.equal(got.status, 200);
      t.ok(got.body.equals(bytes), `${path}: the bytes the site sent, help elements and all`);
      // What helpgate sends for a request it never rewrites (a script's fetch) is the reference.
      const reference = await get(url, path, { 'x-requested-with': 'XMLHttpRequest' });
      t.same(comparable(got.headers), comparable(reference.headers), `${path}: the site's headers`);
      t.equal(got.headers.etag, '"u16"', `${path}: the ETag is not weakened`);
      t.equal(got.headers['content-length'], String(bytes.length), `${path}: its length`);
      t.equal(got.headers['content-encoding'], sent['content-encoding'], `${path}: its coding`);
      if (path.startsWith('/header')) {
        t.equal(got.headers['set-cookie'], undefined, `${path}: untracked, no cookie`);
      }
    }
  },
);
