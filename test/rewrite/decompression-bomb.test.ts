/**
 * Decompression bombs (issue 15, item 6): a compressed page that inflates to far more than
 * `rewrite.maxBytes` must cost helpgate about what a page of `maxBytes` costs, not work in
 * proportion to its inflated size. Real upstream, helpgate built through its factory. The work
 * is counted, not timed: `helpgate_rewrite_inflated_bytes_total` counts every byte a decoder
 * puts out, whatever the page's state, so a decoder left running after the answer shows
 * there. The CPU each case took is printed beside it for the reader; `bench/` times things.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import type { Helpgate } from '../../src/app.js';
import { startHelpgate, startServer } from '../fixtures/servers.js';
import { sampleValue } from '../metrics/_exposition.js';

const MB = 1024 * 1024;
/** `rewrite.maxBytes` in these tests. */
const MAX_BYTES = MB;
const HEAD = '<!DOCTYPE html><html><head><title>bomb</title></head><body>\n';
const SPACES = Buffer.alloc(MB, ' ');

type Coding = 'gzip' | 'br';

/**
 * A compressed page in two parts: `head` decodes to `HEAD` alone, `rest` to `spaces` spaces
 * after it. gzip repeats one member of 1 MiB (what `gzip` makes of concatenated files), brotli
 * is one stream at quality 1: either way it builds in milliseconds.
 */
async function pageParts(coding: Coding, spaces: number): Promise<{ head: Buffer; rest: Buffer }> {
  const pieces = Array<Buffer>(Math.floor(spaces / MB)).fill(SPACES);
  if (spaces % MB > 0) pieces.push(SPACES.subarray(0, spaces % MB));
  if (coding === 'gzip') {
    const member = zlib.gzipSync(SPACES, { level: 9 });
    const rest = pieces.map((p) => (p === SPACES ? member : zlib.gzipSync(p)));
    return { head: zlib.gzipSync(HEAD), rest: Buffer.concat(rest) };
  }
  const encoder = zlib.createBrotliCompress({
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 },
  });
  const parts: Buffer[] = [];
  encoder.on('data', (b: Buffer) => parts.push(b));
  encoder.write(HEAD);
  await new Promise<void>((resolve) =>
    encoder.flush(zlib.constants.BROTLI_OPERATION_FLUSH, () => resolve()),
  );
  const head = Buffer.concat(parts.splice(0));
  for (const p of pieces) encoder.write(p);
  encoder.end();
  await once(encoder, 'end');
  return { head, rest: Buffer.concat(parts) };
}

/** A page of 200 MiB in a few hundred KB (gzip) or a few dozen KB (brotli). */
async function bomb(coding: Coding): Promise<{ head: Buffer; rest: Buffer; whole: Buffer }> {
  const { head, rest } = await pageParts(coding, 200 * MB);
  return { head, rest, whole: Buffer.concat([head, rest]) };
}

/** A legitimate page just under maxBytes, in each coding: what the bombs are measured by. */
const REFERENCE = {
  gzip: await pageParts('gzip', MAX_BYTES - 4096),
  br: await pageParts('br', MAX_BYTES - 4096),
};

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The connection was cut before the response was complete. */
  aborted: boolean;
}

function get(url: string, path: string, onFirstData?: () => void): Promise<Got> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}${path}`, { agent: false }, (res) => {
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
            aborted: aborted || !res.complete,
          }),
        );
      })
      .on('error', reject);
  });
}

/** A raw HTTP/1.0 request; resolves with the head and the body bytes. */
async function get10(url: string, path: string): Promise<{ head: string; body: Buffer }> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  socket.write(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  const split = all.indexOf('\r\n\r\n');
  return { head: all.subarray(0, split).toString('latin1'), body: all.subarray(split + 4) };
}

/** What one request cost: bytes inflated (from the metric) and CPU time (ms, all threads). */
interface Cost<T> {
  inflated: number;
  cpuMs: number;
  result: T;
}

/**
 * What `work` costs, including what goes on after it resolves: helpgate must not keep
 * inflating once the client has its answer (waiting longer can only count more).
 */
async function costOf<T>(helpgate: Helpgate, work: () => Promise<T>): Promise<Cost<T>> {
  const inflatedBefore = await inflatedBytes(helpgate);
  const before = process.cpuUsage();
  const result = await work();
  await delay(150);
  const used = process.cpuUsage(before);
  return {
    inflated: (await inflatedBytes(helpgate)) - inflatedBefore,
    cpuMs: (used.user + used.system) / 1000,
    result,
  };
}

async function inflatedBytes(helpgate: Helpgate): Promise<number> {
  const { body } = await helpgate.metrics.render();
  return sampleValue(body, 'helpgate_rewrite_inflated_bytes_total') ?? 0;
}

/**
 * Room over a limit for the decoder's last pieces: it stops at the first piece past the limit,
 * and a piece is at most zlib's chunk (16 KiB) — allowed four times over.
 */
const PIECES = 64 * 1024;

type Page = (path: string, res: http.ServerResponse) => void;

/** helpgate with `rewrite.maxBytes` = 1 MiB in front of an upstream that serves `page`. */
async function setup(t: Test, page: Page): Promise<{ url: string; helpgate: Helpgate }> {
  const upstream = await startServer(t, (req, res) => page(req.url ?? '/', res));
  return startHelpgate(t, { upstream: upstream.url, rewrite: { maxBytes: MAX_BYTES } });
}

/**
 * What a legitimate page just under `maxBytes` costs through helpgate (decoded, rewritten,
 * re-encoded), sent whole or streamed (its head, then the rest 40 ms later, after the first
 * byte has gone out), in the bomb's coding: the second of two runs, the first warming up.
 */
let references = 0;
async function reference(
  gate: { url: string; helpgate: Helpgate },
  coding: Coding,
  streamed: boolean,
): Promise<Cost<Got>> {
  let cost: Cost<Got> | undefined;
  for (let i = 0; i < 2; i++) {
    // A new URL each time: a repeated one would come from the rewrite cache.
    const path = `/reference?coding=${coding}&streamed=${streamed}&n=${++references}`;
    cost = await costOf(gate.helpgate, () => get(gate.url, path));
    if (cost.result.status !== 200 || cost.result.aborted) throw new Error('reference failed');
  }
  return cost!;
}

/** The bomb's cost beside a page of maxBytes, for the reader. */
function compared(what: string, bomb: Cost<unknown>, page: Cost<unknown>): string {
  return (
    `${what}: ${bomb.inflated} bytes inflated, ${bomb.cpuMs.toFixed(0)} ms CPU; ` +
    `a page of maxBytes: ${page.inflated} bytes, ${page.cpuMs.toFixed(0)} ms`
  );
}

function head(res: http.ServerResponse, coding: Coding): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': coding });
}

/** Serves `/reference?…` (see {@link referenceMs}); everything else goes to `bomb`. */
function withReference(bomb: (res: http.ServerResponse) => void): Page {
  return (path, res) => {
    if (!path.startsWith('/reference')) {
      bomb(res);
      return;
    }
    const query = new URL(path, 'http://x').searchParams;
    const coding = query.get('coding') as Coding;
    const page = REFERENCE[coding];
    head(res, coding);
    if (query.get('streamed') === 'true') {
      res.write(page.head);
      setTimeout(() => res.end(page.rest), 40);
    } else res.end(Buffer.concat([page.head, page.rest]));
  };
}

/** Serves `body` whole. */
function serve(body: Buffer, coding: Coding): (res: http.ServerResponse) => void {
  return (res) => {
    head(res, coding);
    res.end(body);
  };
}

for (const coding of ['gzip', 'br'] as const) {
  t.test(
    `decompression bomb: a 200 MB ${coding} page inflates no further than maxBytes and goes out as sent`,
    async (t) => {
      // A small body that inflates to 200 MB: past maxBytes before any byte went out.
      const { whole } = await bomb(coding);
      const gate = await setup(t, withReference(serve(whole, coding)));
      const page = await reference(gate, coding, false);
      t.ok(page.inflated >= MAX_BYTES - 4096, 'the counter counts a page of maxBytes whole');
      const cost = await costOf(gate.helpgate, () => get(gate.url, '/bomb'));
      t.comment(compared(`${coding} bomb of ${whole.length} bytes`, cost, page));
      const { result } = cost;
      t.equal(result.status, 200);
      t.notOk(result.aborted);
      t.equal(result.headers['content-encoding'], coding);
      t.ok(result.body.equals(whole), 'the original compressed bytes, byte for byte');
      t.ok(
        cost.inflated <= MAX_BYTES + PIECES,
        `${cost.inflated} bytes inflated, at most maxBytes and the decoder's last pieces`,
      );
    },
  );
}

t.test(
  'decompression bomb behind a cached page: the cache comparison falls back without inflating it all',
  async (t) => {
    // The page at the URL was cached; the next response is a bomb, compared, then rewritten.
    const { whole } = await bomb('gzip');
    let armed = false;
    const small = zlib.gzipSync(`${HEAD}<p>small</p></body></html>`);
    const gate = await setup(
      t,
      withReference((res) => serve(armed ? whole : small, 'gzip')(res)),
    );
    const page = await reference(gate, 'gzip', false);
    for (let i = 0; i < 2; i++) t.equal((await get(gate.url, '/page')).status, 200);
    armed = true;
    const cost = await costOf(gate.helpgate, () => get(gate.url, '/page'));
    t.comment(compared('cached URL, then a bomb', cost, page));
    t.ok(cost.result.body.equals(whole), 'the original compressed bytes, byte for byte');
    t.ok(cost.inflated <= MAX_BYTES + PIECES, `${cost.inflated} bytes inflated`);
  },
);

t.test(
  'decompression bomb to an HTTP/1.0 client: inflated only to maxBytes, then passed through to its end',
  async (t) => {
    // An HTTP/1.0 client gets a page buffered: the bomb must not be inflated past maxBytes.
    const { whole } = await bomb('gzip');
    const gate = await setup(t, withReference(serve(whole, 'gzip')));
    const page = await reference(gate, 'gzip', false);
    const cost = await costOf(gate.helpgate, () => get10(gate.url, '/bomb'));
    t.comment(compared('HTTP/1.0 gzip bomb', cost, page));
    t.match(cost.result.head, /^HTTP\/1\.[01] 200/);
    t.ok(cost.result.body.equals(whole), 'the original compressed bytes, byte for byte');
    t.ok(cost.inflated <= MAX_BYTES + PIECES, `${cost.inflated} bytes inflated`);
  },
);

for (const coding of ['gzip', 'br'] as const) {
  t.test(
    `decompression bomb after the first byte (${coding}): the connection is cut at 2 × maxBytes inflated`,
    async (t) => {
      // Output has started (re-encoded), so the original cannot be sent: abort, never a 200.
      const { head: start, rest } = await bomb(coding);
      // The page start, then, once the client has the first rewritten bytes, the bomb.
      let go = () => {};
      const gate = await setup(
        t,
        withReference((res) => {
          head(res, coding);
          res.write(start);
          go = () => {
            go = () => {};
            res.end(rest);
          };
        }),
      );
      const page = await reference(gate, coding, true);
      const cost = await costOf(gate.helpgate, () => get(gate.url, '/bomb', () => go()));
      t.comment(compared(`streamed ${coding} bomb`, cost, page));
      const { result } = cost;
      t.equal(result.status, 200);
      t.ok(result.aborted, 'the client sees the connection cut, not a complete 200');
      const partial =
        coding === 'gzip'
          ? zlib.gunzipSync(result.body, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
          : zlib.brotliDecompressSync(result.body, {
              finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
            });
      t.match(
        partial.toString('latin1'),
        /^<!DOCTYPE html><html><head>.*<title>bomb/,
        'the page so far',
      );
      t.ok(partial.length <= 2 * MAX_BYTES, `${partial.length} bytes inflated went out`);
      t.ok(
        cost.inflated <= 2 * MAX_BYTES + PIECES,
        `${cost.inflated} bytes inflated, at most 2 × maxBytes and the decoder's last pieces`,
      );
    },
  );
}
