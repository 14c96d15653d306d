import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import type { Config } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { createRewriter } from '../../src/rewrite/rewrite-response.js';
import { pumpBody } from '../fixtures/pump-body.js';
import { BEACON, rewritingFront } from './_rewrite-helpers.js';

type Upstream = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const PAGE =
  '<!doctype html><html><head><title>t</title></head><body><div class=help>?</div><p>x</p></body></html>';
const EXPECTED = PAGE.replace('</head>', `${BEACON}</head>`).replace('<div class=help>?</div>', '');

/** An upstream and a front server that hands every response to the rewriter. */
async function setup(
  t: Test,
  upstream: Upstream,
  maxBytes = 8 * 1024 * 1024,
  onSocket?: (socket: net.Socket) => void,
): Promise<number> {
  const up = http.createServer(upstream);
  up.listen(0, '127.0.0.1');
  await once(up, 'listening');
  const upPort = (up.address() as AddressInfo).port;
  const config = {
    strip: ['.help'],
    rewrite: { maxBytes, frames: false, cacheEntries: 0 },
  } as unknown as Config;
  const rewriter = createRewriter(config, { logger: silentLogger() });
  const front = rewritingFront(rewriter, upPort, () => ({
    extraHeaders: { 'set-cookie': 'hg_sid=new; HttpOnly' },
  }));
  if (onSocket) front.on('connection', onSocket);
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  t.teardown(() => {
    up.closeAllConnections();
    front.closeAllConnections();
    up.close();
    front.close();
  });
  return (front.address() as AddressInfo).port;
}

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  aborted: boolean;
}

function get(port: number, path = '/', onFirstData?: () => void): Promise<Got> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let aborted = false;
        res.on('data', (c: Buffer) => {
          if (chunks.length === 0) onFirstData?.();
          chunks.push(c);
        });
        res.on('aborted', () => {
          aborted = true;
        });
        res.on('error', () => {
          aborted = true;
        });
        res.on('close', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks),
            aborted,
          }),
        );
      })
      .on('error', reject);
  });
}

function serve(body: Buffer | string, headers: OutgoingHttpHeaders = {}): Upstream {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
  };
}

t.test('a small page is sent whole with an exact Content-Length and fixed headers', async (t) => {
  const port = await setup(
    t,
    serve(PAGE, {
      etag: '"v1"',
      'content-md5': 'Q2hlY2sgSW50ZWdyaXR5IQ==',
      'accept-ranges': 'bytes',
      vary: 'Accept-Encoding',
      'set-cookie': ['a=1', 'b=2'],
    }),
  );
  const res = await get(port);
  t.equal(res.status, 200);
  t.equal(res.body.toString(), EXPECTED);
  t.equal(res.headers['content-length'], String(Buffer.byteLength(EXPECTED)));
  t.equal(res.headers['transfer-encoding'], undefined);
  t.equal(res.headers.etag, 'W/"v1"');
  t.equal(res.headers['content-md5'], undefined);
  t.equal(res.headers['accept-ranges'], undefined);
  t.equal(res.headers.vary, 'Accept-Encoding');
  t.same(
    res.headers['set-cookie'],
    ['a=1', 'b=2', 'hg_sid=new; HttpOnly'],
    'upstream cookies kept',
  );
});

t.test('compressed pages are decoded, rewritten and re-encoded the same way', async (t) => {
  const codings: [string, Buffer, (b: Buffer) => Buffer][] = [
    ['gzip', zlib.gzipSync(PAGE), zlib.gunzipSync],
    ['br', zlib.brotliCompressSync(PAGE), zlib.brotliDecompressSync],
    ['deflate', zlib.deflateSync(PAGE), zlib.inflateSync],
    ['deflate', zlib.deflateRawSync(PAGE), zlib.inflateSync], // raw framing in, zlib framing out
  ];
  for (const [coding, body, decode] of codings) {
    const port = await setup(t, serve(body, { 'content-encoding': coding }));
    const res = await get(port);
    t.equal(res.headers['content-encoding'], coding);
    t.equal(Number(res.headers['content-length']), res.body.length, `${coding}: exact length`);
    t.equal(decode(res.body).toString(), EXPECTED, coding);
  }
});

t.test('a corrupt compressed body before the first byte is a 502 page', async (t) => {
  const port = await setup(
    t,
    serve(Buffer.from('this is not gzip at all'), { 'content-encoding': 'gzip' }),
  );
  const res = await get(port);
  t.equal(res.status, 502);
  t.match(res.body.toString(), /HG_ERR_UPSTREAM_BAD_RESPONSE/);
});

t.test(
  'a corrupt body after the first byte aborts the connection, never a truncated 200',
  async (t) => {
    let seed = 1;
    const noise = Buffer.alloc(300_000, 0).map(() => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return 97 + (seed % 26);
    });
    const gz = zlib.gzipSync(Buffer.concat([Buffer.from('<html><body>'), noise]));
    // The corrupt bytes come once the client has the first bytes (before, they give a 502).
    let corrupt = () => {};
    const port = await setup(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      res.write(gz.subarray(0, gz.length >> 1));
      corrupt = () => res.end(Buffer.alloc(1000, 0xff));
    });
    const res = await get(port, '/', () => corrupt());
    t.equal(res.status, 200);
    t.ok(res.aborted, 'the client sees the connection cut');
  },
);

t.test('a big page streams chunked, rewritten', async (t) => {
  const filler = '<p>filler paragraph</p>\n'.repeat(8000);
  const big = PAGE.replace('<p>x</p>', `<p>x</p>${filler}<div class=help>late</div>`);
  const port = await setup(t, serve(big));
  const res = await get(port);
  t.equal(res.headers['content-length'], undefined);
  t.equal(res.headers['transfer-encoding'], 'chunked');
  t.equal(res.body.toString(), EXPECTED.replace('<p>x</p>', `<p>x</p>${filler}`));
});

t.test('a streamed page ends in the same socket write as its last bytes', async (t) => {
  const filler = '<p>filler paragraph</p>\n'.repeat(8000);
  const big = PAGE.replace('<p>x</p>', `<p>x</p>${filler}`);
  // What each write to the client's socket carried, one string per write (or writev).
  const writes: string[] = [];
  const port = await setup(t, serve(big), undefined, (socket) => {
    const s = socket as net.Socket & {
      _write(chunk: Buffer, encoding: string, cb: () => void): void;
      _writev(chunks: { chunk: Buffer | string }[], cb: () => void): void;
    };
    const write = s._write.bind(s);
    const writev = s._writev.bind(s);
    s._write = (chunk, encoding, cb) => {
      writes.push(String(chunk));
      write(chunk, encoding, cb);
    };
    s._writev = (chunks, cb) => {
      writes.push(chunks.map((c) => String(c.chunk)).join(''));
      writev(chunks, cb);
    };
  });
  const res = await get(port);
  t.equal(res.body.toString(), EXPECTED.replace('<p>x</p>', `<p>x</p>${filler}`));
  const last = writes.at(-1) ?? '';
  t.ok(last.endsWith('0\r\n\r\n'), 'the last write ends the chunked body');
  t.match(last, '</html>', 'and carries the last bytes of the page (no write of its own)');
});

t.test('a slow visitor on a big page holds the upstream back', async (t) => {
  // Rewritten up to rewrite.maxBytes, streamed through after: both parts go out through the
  // corked writes, which must still pass the visitor's pace on to the upstream.
  const MB = 1024 * 1024;
  const total = 48 * MB;
  const filler = Buffer.from('<p>filler paragraph</p>\n'.repeat(2731));
  let written = () => 0;
  const port = await setup(
    t,
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.write('<!doctype html><html><head><title>big</title></head><body>');
      written = pumpBody(res, filler, total, '</body></html>');
    },
    4 * MB,
  );
  const tail = await new Promise<string>((resolve, reject) => {
    let last = '';
    http
      .get({ host: '127.0.0.1', port, agent: false }, (res) => {
        res.once('data', async () => {
          res.pause();
          await delay(300);
          t.ok(written() < 32 * MB, `upstream held back (${written() >> 20} MB of 48 sent)`);
          res.on('data', (chunk: Buffer) => {
            last = chunk.toString('latin1').slice(-20);
          });
          res.resume();
        });
        res.on('end', () => resolve(last));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  t.ok(written() >= total, 'the upstream sent it all');
  t.match(tail, /<\/body><\/html>$/, 'and the visitor got to its end');
});

t.test('the first bytes go out before the upstream has finished', async (t) => {
  let finish: () => void = () => {};
  const port = await setup(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write('<html><head><title>slow</title></head><body><p>first</p>');
    finish = () => res.end('<div class=help>x</div></body></html>');
  });
  const first = await new Promise<string>((resolve) => {
    http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('<p>first</p>') && finish) {
          const seen = text;
          finish();
          finish = () => {};
          res.resume();
          res.on('end', () => resolve(seen));
        }
      });
    });
  });
  t.match(first, `${BEACON}</head>`, 'the head with the beacon arrived while the upstream waited');
});

t.test('past rewrite.maxBytes the rest streams through unmodified', async (t) => {
  const filler = '<p>filler</p>'.repeat(400);
  const page = `<html><head></head><body><div class=help>a</div>${filler}<div class=help>b</div></body></html>`;
  const port = await setup(t, serve(page), 1000);
  const res = await get(port);
  t.equal(
    res.body.toString(),
    `<html><head>${BEACON}</head><body>${filler}<div class=help>b</div></body></html>`,
  );
});

t.test('an unknown Content-Encoding passes through untouched', async (t) => {
  const port = await setup(
    t,
    serve(Buffer.from('opaque-zstd-bytes'), { 'content-encoding': 'zstd' }),
  );
  const res = await get(port);
  t.equal(res.body.toString(), 'opaque-zstd-bytes');
  t.same(res.headers['set-cookie'], ['hg_sid=new; HttpOnly']);
});

/** A raw HTTP/1.0 request; returns the head and the body. */
async function get10(port: number): Promise<{ head: string; body: string }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n');
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  return { head: text.slice(0, split), body: text.slice(split + 4) };
}

t.test('an HTTP/1.0 client gets a Content-Length, or the original when too large', async (t) => {
  const filler = '<p>filler</p>'.repeat(300);
  const small = await setup(t, serve(PAGE));
  const res = await get10(small);
  t.match(res.head.toLowerCase(), `content-length: ${Buffer.byteLength(EXPECTED)}`);
  t.notMatch(res.head, /chunked/i);
  t.equal(res.body, EXPECTED);
  const bigPage = PAGE.replace('<p>x</p>', filler);
  const large = await setup(t, serve(bigPage), 2000);
  const original = await get10(large);
  t.notMatch(original.head, /chunked/i);
  t.equal(original.body, bigPage, 'larger than maxBytes: the page as the upstream sent it');
});
