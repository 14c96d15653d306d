import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import type { Config } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { createRewriter, type Rewriter } from '../../src/rewrite/rewrite-response.js';
import { BEACON, rewritingFront } from './_rewrite-helpers.js';

const SMALL =
  '<!doctype html><html><head><title>t</title></head><body><div class=help>?</div><p>x</p></body></html>';
/** Larger than the whole-page limit, so its first rewrite streams chunked. */
const BIG = `<!doctype html><html><head><title>big</title></head><body>${Array.from(
  { length: 4000 },
  (_, i) => `<p>item ${i}</p><div class=help>${i}</div>\n`,
).join('')}</body></html>`;

/** What the upstream serves next; tests change it between requests. */
interface Upstream {
  body: Buffer;
  headers: OutgoingHttpHeaders;
  /** Sent in pieces of this size, one per turn of the event loop (0 = one write). */
  piece: number;
}

interface Front {
  port: number;
  rewriter: Rewriter;
}

/**
 * A real upstream and two front servers handing its responses to a rewriter: one with the
 * cache under test, one with caching off, whose output is what the normal path gives. The
 * request headers `x-nonce` and `x-body-end` stand for the page's CSP nonce and a visitor's
 * HELP option.
 */
async function setup(
  t: Test,
  options: { cacheEntries?: number; cacheBytes?: number } = {},
): Promise<{ upstream: Upstream; cached: Front; fresh: Front }> {
  const upstream: Upstream = {
    body: Buffer.from(SMALL),
    headers: { 'content-type': 'text/html; charset=utf-8' },
    piece: 0,
  };
  const up = http.createServer(async (_req, res) => {
    const { body, headers, piece } = upstream;
    res.writeHead(200, { ...headers, 'content-length': body.length });
    if (piece === 0) {
      res.end(body);
      return;
    }
    for (let at = 0; at < body.length; at += piece) {
      res.write(body.subarray(at, at + piece));
      await new Promise(setImmediate);
    }
    res.end();
  });
  const upPort = await listen(t, up);
  const front = async (cacheEntries: number): Promise<Front> => {
    const config = {
      strip: ['.help'],
      rewrite: { maxBytes: 8 * 1024 * 1024, frames: false, cacheEntries },
    } as unknown as Config;
    const rewriter = createRewriter(config, {
      logger: silentLogger(),
      cacheBytes: options.cacheBytes,
    });
    const server = rewritingFront(rewriter, upPort, (req) => {
      const nonce = req.headers['x-nonce'];
      const bodyEnd = req.headers['x-body-end'];
      return {
        beaconTag: (n) => (n === null ? BEACON : BEACON.replace(' defer>', ` defer nonce="${n}">`)),
        nonce: typeof nonce === 'string' ? nonce : null,
        bodyEnd: typeof bodyEnd === 'string' ? bodyEnd : undefined,
        extraHeaders: { 'set-cookie': 'hg_sid=new; HttpOnly' },
      };
    });
    return { port: await listen(t, server), rewriter };
  };
  return {
    upstream,
    cached: await front(options.cacheEntries ?? 256),
    fresh: await front(0),
  };
}

async function listen(t: Test, server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, path = '/', headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The page as the browser reads it: the body without its Content-Encoding. */
function decoded(res: Got): string {
  const coding = res.headers['content-encoding'];
  const body =
    coding === 'gzip'
      ? zlib.gunzipSync(res.body)
      : coding === 'br'
        ? zlib.brotliDecompressSync(res.body)
        : coding === 'deflate'
          ? zlib.inflateSync(res.body)
          : res.body;
  return body.toString('utf8');
}

/** Asserts the cached front's answer is what the normal path gives for the same request. */
async function sameAsFresh(
  t: Test,
  fronts: { cached: Front; fresh: Front },
  path = '/',
  headers: Record<string, string> = {},
): Promise<Got> {
  const got = await get(fronts.cached.port, path, headers);
  const want = await get(fronts.fresh.port, path, headers);
  t.equal(got.status, want.status, 'same status');
  t.equal(decoded(got), decoded(want), 'same page');
  t.equal(got.headers['content-encoding'], want.headers['content-encoding'], 'same encoding');
  t.equal(got.headers.etag, want.headers.etag, 'same ETag');
  t.same(got.headers['set-cookie'], want.headers['set-cookie'], 'same cookies');
  if (got.headers['content-length'] !== undefined)
    t.equal(Number(got.headers['content-length']), got.body.length, 'exact Content-Length');
  return got;
}

t.test('a repeated page is served from the cache, identical to a fresh rewrite', async (t) => {
  for (const [name, page] of [
    ['small page', SMALL],
    ['page streamed on its first rewrite', BIG],
  ] as const) {
    const fronts = await setup(t);
    fronts.upstream.body = Buffer.from(page);
    fronts.upstream.headers.etag = '"v1"';
    const first = await sameAsFresh(t, fronts);
    t.notMatch(decoded(first), 'class=help', `${name}: rewritten`);
    t.match(decoded(first), BEACON);
    const second = await sameAsFresh(t, fronts);
    t.same(second.body, first.body, `${name}: byte-identical`);
    t.equal(Number(second.headers['content-length']), second.body.length, 'sent whole');
    t.equal(second.headers.etag, 'W/"v1"', 'ETag weakened as on the normal path');
    t.match(fronts.cached.rewriter.stats(), { cacheHits: 1, rewrites: 1, cacheEntries: 1 });
  }
});

t.test('a body that differs in its first, a middle or its last byte is rewritten', async (t) => {
  const page = Buffer.from(BIG);
  const middle = page.indexOf('item 2000');
  const variants: [string, number, string][] = [
    ['first byte', 0, ' '],
    ['a middle byte', middle + 'item '.length, '9'],
    ['last byte', page.length - 1, ' '],
  ];
  for (const [name, at, byte] of variants) {
    for (const piece of [0, 4096]) {
      const fronts = await setup(t);
      fronts.upstream.body = page;
      fronts.upstream.piece = piece;
      await get(fronts.cached.port);
      const changed = Buffer.from(page);
      changed.write(byte, at, 'latin1');
      fronts.upstream.body = changed;
      const res = await sameAsFresh(t, fronts);
      if (name === 'a middle byte') t.match(decoded(res), '<p>item 9000</p>');
      const stats = fronts.cached.rewriter.stats();
      t.match(stats, { cacheHits: 0, cacheMismatches: 1, rewrites: 2 }, `${name}: rewritten`);
      // The changed page replaced the old one in the cache.
      await sameAsFresh(t, fronts);
      t.equal(fronts.cached.rewriter.stats().cacheHits, 1, `${name}: the new version is cached`);
    }
  }
});

t.test('a longer or a shorter body is rewritten, never cut or padded', async (t) => {
  const page = Buffer.from(BIG);
  const variants: [string, Buffer][] = [
    ['one byte longer', Buffer.concat([page, Buffer.from('\n')])],
    ['much longer', Buffer.concat([page, Buffer.from('<p>more</p>'.repeat(500))])],
    ['one byte shorter', page.subarray(0, page.length - 1)],
    ['half', page.subarray(0, page.length >> 1)],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [name, body] of variants) {
    const fronts = await setup(t);
    fronts.upstream.body = page;
    fronts.upstream.piece = 8192;
    await get(fronts.cached.port);
    fronts.upstream.body = body;
    await sameAsFresh(t, fronts);
    t.match(fronts.cached.rewriter.stats(), { cacheHits: 0, cacheMismatches: 1 }, name);
  }
});

t.test('gzip, deflate and br pages are cached and decode to the rewritten page', async (t) => {
  const codings: [string, (b: Buffer) => Buffer][] = [
    ['gzip', (b) => zlib.gzipSync(b)],
    ['br', (b) => zlib.brotliCompressSync(b)],
    ['deflate', (b) => zlib.deflateRawSync(b)],
  ];
  for (const [coding, encode] of codings) {
    for (const page of [SMALL, BIG]) {
      const fronts = await setup(t);
      fronts.upstream.body = encode(Buffer.from(page));
      fronts.upstream.headers['content-encoding'] = coding;
      fronts.upstream.piece = 2048;
      const first = await sameAsFresh(t, fronts);
      const second = await sameAsFresh(t, fronts);
      t.equal(second.headers['content-encoding'], coding);
      t.equal(decoded(second), decoded(first), `${coding}: the cached page`);
      t.equal(fronts.cached.rewriter.stats().cacheHits, 1, `${coding}: served from the cache`);
      // A different page under the same URL: its compressed bytes differ.
      fronts.upstream.body = encode(Buffer.from(page.replace('<p>', '<p class=new>')));
      const third = await sameAsFresh(t, fronts);
      t.match(decoded(third), '<p class=new>', `${coding}: the new page, not the cached one`);
    }
  }
});

t.test('the same page under another encoding or charset does not share an entry', async (t) => {
  const fronts = await setup(t);
  await get(fronts.cached.port);
  fronts.upstream.headers['content-type'] = 'text/html; charset=windows-1252';
  await sameAsFresh(t, fronts);
  fronts.upstream.body = zlib.gzipSync(SMALL);
  fronts.upstream.headers['content-encoding'] = 'gzip';
  await sameAsFresh(t, fronts);
  t.match(fronts.cached.rewriter.stats(), { cacheHits: 0, rewrites: 3, cacheEntries: 3 });
});

t.test('cacheEntries 0 turns the cache off', async (t) => {
  const fronts = await setup(t, { cacheEntries: 0 });
  await sameAsFresh(t, fronts);
  await sameAsFresh(t, fronts);
  t.same(fronts.cached.rewriter.stats(), {
    cacheHits: 0,
    cacheMismatches: 0,
    rewrites: 2,
    cacheEntries: 0,
    cacheBytes: 0,
    refused: 0,
    inflatedBytes: 0,
    active: 0,
    waiting: 0,
  });
});

// Attack: a visitor is shown a HELP option (an offer made for them); if that page were cached,
// the next visitor of the URL would get someone else's offer, and the offer's links with it.
t.test("a visitor's HELP option never reaches another visitor through the cache", async (t) => {
  const fronts = await setup(t);
  const help = '<div id=hg-offer>Offer for visitor A</div>';
  const a = await get(fronts.cached.port, '/', { 'x-body-end': help });
  t.match(a.body.toString(), help, 'visitor A gets their offer');
  t.equal(fronts.cached.rewriter.stats().cacheEntries, 0, 'the page with the offer is not stored');
  const b = await sameAsFresh(t, fronts);
  t.notMatch(b.body.toString(), 'hg-offer', 'visitor B does not');
  const c = await get(fronts.cached.port, '/', { 'x-body-end': '<div id=hg-offer>For C</div>' });
  t.match(c.body.toString(), 'For C', 'visitor C gets their own offer, not the cached page');
  t.notMatch(c.body.toString(), 'visitor A');
  t.match(fronts.cached.rewriter.stats(), { cacheHits: 0, rewrites: 3, cacheEntries: 1 });
  await sameAsFresh(t, fronts);
  t.equal(fronts.cached.rewriter.stats().cacheHits, 1, 'pages without an offer still share');
});

t.test('pages with different CSP nonces do not share an entry', async (t) => {
  const fronts = await setup(t);
  const one = await sameAsFresh(t, fronts, '/', { 'x-nonce': 'n0nce1' });
  t.match(one.body.toString(), 'nonce="n0nce1"');
  const two = await sameAsFresh(t, fronts, '/', { 'x-nonce': 'n0nce2' });
  t.match(two.body.toString(), 'nonce="n0nce2"', 'the second page carries its own nonce');
  t.notMatch(two.body.toString(), 'n0nce1');
  t.match(fronts.cached.rewriter.stats(), { cacheHits: 0, rewrites: 2, cacheEntries: 2 });
  const again = await sameAsFresh(t, fronts, '/', { 'x-nonce': 'n0nce1' });
  t.match(again.body.toString(), 'nonce="n0nce1"');
  t.equal(fronts.cached.rewriter.stats().cacheHits, 1);
});

// Attack: cache poisoning through the Host header — a request with a forged Host makes the page's
// <meta> CSP decide differently; stored under the real page's key, every visitor would get it.
t.test('a forged Host header cannot poison the cached page for other visitors', async (t) => {
  const fronts = await setup(t);
  const csp =
    '<meta http-equiv="Content-Security-Policy" content="script-src shop.example; connect-src shop.example">';
  fronts.upstream.body = Buffer.from(SMALL.replace('<title>', `${csp}<title>`));
  const forged = await sameAsFresh(t, fronts, '/', { host: 'evil.example' });
  t.notMatch(forged.body.toString(), BEACON, 'the policy keeps the beacon out of that origin');
  const real = await sameAsFresh(t, fronts, '/', { host: 'shop.example' });
  t.match(real.body.toString(), BEACON, 'the real origin gets the beacon');
  const again = await sameAsFresh(t, fronts, '/', { host: 'shop.example' });
  t.same(again.body, real.body);
  const forgedAgain = await sameAsFresh(t, fronts, '/', { host: 'evil.example' });
  t.same(forgedAgain.body, forged.body);
  t.match(fronts.cached.rewriter.stats(), { cacheHits: 2, rewrites: 2, cacheEntries: 2 });
});

t.test('the cache holds at most cacheEntries pages and its byte bound', async (t) => {
  const byEntries = await setup(t, { cacheEntries: 2 });
  // Full after /a and /b: /c is kept on its second request, and the least recently used goes.
  for (const path of ['/a', '/b', '/c', '/a', '/c']) await get(byEntries.cached.port, path);
  t.match(byEntries.cached.rewriter.stats(), { cacheEntries: 2, cacheHits: 1 });
  await sameAsFresh(t, byEntries, '/b');
  t.equal(byEntries.cached.rewriter.stats().cacheHits, 1, 'the least recently used page left');
  await sameAsFresh(t, byEntries, '/c');
  t.equal(byEntries.cached.rewriter.stats().cacheHits, 2, 'the most recent one stayed');

  const page = Buffer.from(BIG);
  const cacheBytes = Math.floor(page.length * 2.5);
  const byBytes = await setup(t, { cacheBytes });
  byBytes.upstream.body = page;
  for (const path of ['/1', '/2', '/3', '/4', '/4']) await get(byBytes.cached.port, path);
  const stats = byBytes.cached.rewriter.stats();
  t.ok(stats.cacheBytes <= cacheBytes, `${stats.cacheBytes} bytes held, bound ${cacheBytes}`);
  t.equal(stats.cacheEntries, 1, 'an entry holds the original and the output');
  await sameAsFresh(t, byBytes, '/4');
  t.equal(byBytes.cached.rewriter.stats().cacheHits, 1);
});

t.test('in a full cache, a page asked for once pushes out no page that is repeated', async (t) => {
  const fronts = await setup(t, { cacheEntries: 2 });
  for (const path of ['/home', '/shop']) await get(fronts.cached.port, path);
  // A crawler or a search: every URL once.
  for (let i = 0; i < 20; i++) await get(fronts.cached.port, `/search?q=${i}`);
  await sameAsFresh(t, fronts, '/home');
  await sameAsFresh(t, fronts, '/shop');
  t.match(fronts.cached.rewriter.stats(), { cacheHits: 2, cacheEntries: 2 });
});

t.test('pages that were not rewritten in full are not cached', async (t) => {
  const fronts = await setup(t);
  // Larger than a cacheable page.
  fronts.upstream.body = Buffer.from(BIG.repeat(8));
  fronts.upstream.piece = 65536;
  await sameAsFresh(t, fronts, '/huge');
  // Not ASCII-compatible: passed through untouched.
  fronts.upstream.body = Buffer.from(`\ufeff${SMALL}`, 'utf16le');
  fronts.upstream.headers['content-type'] = 'text/html; charset=utf-16le';
  fronts.upstream.piece = 0;
  await sameAsFresh(t, fronts, '/utf16');
  t.match(fronts.cached.rewriter.stats(), { cacheEntries: 0 });
  await sameAsFresh(t, fronts, '/utf16');
  t.equal(fronts.cached.rewriter.stats().cacheHits, 0);
});

t.test('an HTTP/1.0 client gets the cached page with a Content-Length', async (t) => {
  const fronts = await setup(t);
  const want = await get(fronts.fresh.port);
  await get(fronts.cached.port);
  const socket = net.connect(fronts.cached.port, '127.0.0.1');
  // The same Host as the first request: the page's origin is part of the key.
  socket.write(`GET / HTTP/1.0\r\nHost: 127.0.0.1:${fronts.cached.port}\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  t.match(text.slice(0, split).toLowerCase(), `content-length: ${want.body.length}`);
  t.equal(text.slice(split + 4), want.body.toString('latin1'));
  t.equal(fronts.cached.rewriter.stats().cacheHits, 1);
});
