/**
 * Decompression bombs (issue 15, item 6): a compressed page that inflates to far more than
 * `rewrite.maxBytes` must cost helpgate about what a page of `maxBytes` costs, not CPU in
 * proportion to its inflated size. Real upstream, helpgate built through its factory, CPU
 * measured in-process (zlib works on the thread pool, which `process.cpuUsage` counts).
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import { startHelpgate, startServer } from '../fixtures/servers.js';

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

/**
 * The CPU time (ms, all threads) `work` costs, including what goes on after it resolves:
 * helpgate must not keep inflating once the client has its answer.
 */
async function cpuMs<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const before = process.cpuUsage();
  const result = await work();
  await delay(150);
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, result };
}

type Page = (path: string, res: http.ServerResponse) => void;

/** helpgate with `rewrite.maxBytes` = 1 MiB in front of an upstream that serves `page`. */
async function setup(t: Test, page: Page): Promise<string> {
  const upstream = await startServer(t, (req, res) => page(req.url ?? '/', res));
  const { url } = await startHelpgate(t, {
    upstream: upstream.url,
    rewrite: { maxBytes: MAX_BYTES },
  });
  return url;
}

/**
 * What a legitimate page just under `maxBytes` costs through helpgate (decoded, rewritten,
 * re-encoded), sent whole or streamed (its head, then the rest 40 ms later, after the first
 * byte has gone out), in the bomb's coding. The least of a few runs, the first warming up.
 */
let references = 0;
async function referenceMs(url: string, coding: Coding, streamed: boolean): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 4; i++) {
    // A new URL each time: a repeated one would come from the rewrite cache.
    const path = `/reference?coding=${coding}&streamed=${streamed}&n=${++references}`;
    const { ms, result } = await cpuMs(() => get(url, path));
    if (result.status !== 200 || result.aborted) throw new Error('reference page failed');
    if (i > 0) least = Math.min(least, ms);
  }
  return least;
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

/** What a bomb may cost: `pages` reference pages, and 30 ms for noise on a busy machine. */
function budget(reference: number, pages: number): number {
  return Math.round(pages * reference + 30);
}

for (const coding of ['gzip', 'br'] as const) {
  t.test(
    `decompression bomb: a 200 MB ${coding} page costs at most 3 pages of maxBytes and goes out as sent`,
    async (t) => {
      // A small body that inflates to 200 MB: past maxBytes before any byte went out.
      const { whole } = await bomb(coding);
      const url = await setup(t, withReference(serve(whole, coding)));
      const reference = await referenceMs(url, coding, false);
      // Like the reference, the least of two runs: a single sample on a shared machine also
      // counts whatever else the process did meanwhile. Each run's answer is checked.
      const runs = [await cpuMs(() => get(url, '/bomb')), await cpuMs(() => get(url, '/bomb'))];
      const ms = Math.min(...runs.map((run) => run.ms));
      const result = runs[0]!.result;
      t.ok(runs[1]!.result.body.equals(whole), 'the second run too: the original bytes');
      t.comment(
        `${coding} bomb of ${whole.length} bytes: ${ms.toFixed(0)} ms CPU; ` +
          `a page of maxBytes: ${reference.toFixed(1)} ms`,
      );
      t.equal(result.status, 200);
      t.notOk(result.aborted);
      t.equal(result.headers['content-encoding'], coding);
      t.ok(result.body.equals(whole), 'the original compressed bytes, byte for byte');
      t.ok(ms < budget(reference, 3), `CPU ${ms.toFixed(0)} ms < ${budget(reference, 3)} ms`);
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
    const url = await setup(
      t,
      withReference((res) => serve(armed ? whole : small, 'gzip')(res)),
    );
    const reference = await referenceMs(url, 'gzip', false);
    for (let i = 0; i < 2; i++) t.equal((await get(url, '/page')).status, 200);
    armed = true;
    const { ms, result } = await cpuMs(() => get(url, '/page'));
    t.comment(`cached URL, then a bomb: ${ms.toFixed(0)} ms CPU`);
    t.ok(result.body.equals(whole), 'the original compressed bytes, byte for byte');
    t.ok(ms < budget(reference, 3), `CPU ${ms.toFixed(0)} ms < ${budget(reference, 3)} ms`);
  },
);

t.test(
  'decompression bomb to an HTTP/1.0 client: inflated only to maxBytes, then passed through to its end',
  async (t) => {
    // An HTTP/1.0 client gets a page buffered: the bomb must not be inflated past maxBytes.
    const { whole } = await bomb('gzip');
    const url = await setup(t, withReference(serve(whole, 'gzip')));
    const reference = await referenceMs(url, 'gzip', false);
    const { ms, result } = await cpuMs(() => get10(url, '/bomb'));
    t.comment(`HTTP/1.0 gzip bomb: ${ms.toFixed(0)} ms CPU`);
    t.match(result.head, /^HTTP\/1\.[01] 200/);
    t.ok(result.body.equals(whole), 'the original compressed bytes, byte for byte');
    t.ok(ms < budget(reference, 3), `CPU ${ms.toFixed(0)} ms < ${budget(reference, 3)} ms`);
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
      const url = await setup(
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
      const reference = await referenceMs(url, coding, true);
      const { ms, result } = await cpuMs(() => get(url, '/bomb', () => go()));
      t.comment(
        `streamed ${coding} bomb: ${ms.toFixed(0)} ms CPU; ` +
          `a streamed page of maxBytes: ${reference.toFixed(1)} ms`,
      );
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
      t.ok(ms < budget(reference, 6), `CPU ${ms.toFixed(0)} ms < ${budget(reference, 6)} ms`);
    },
  );
}
