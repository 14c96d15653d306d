import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import { startProxy, startUpstream, testConfig } from '../fixtures/proxy-server.js';
import { pumpBody } from '../fixtures/pump-body.js';

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

t.test('a 256 MB download streams through at constant memory', async (t) => {
  let written = () => 0;
  const upstream = await startUpstream((req, res) => {
    const total = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('mb')) * MB;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(total),
    });
    written = pumpBody(res, CHUNK, total);
  });
  t.teardown(upstream.close);
  const proxy = await startProxy(testConfig({ upstream: upstream.url }));
  t.teardown(proxy.close);

  let peak = 0;
  /** Downloads `mb` megabytes through the proxy, pausing after the first chunk if asked. */
  const download = (mb: number, pauseFirst: boolean) =>
    new Promise<number>((resolve, reject) => {
      let received = 0;
      let chunks = 0;
      http
        .get(`${proxy.url}/big.bin?mb=${mb}`, { agent: false }, (res) => {
          t.equal(res.headers['content-length'], String(mb * MB), 'the exact length is passed on');
          const count = (chunk: Buffer) => {
            received += chunk.length;
            if (++chunks % 128 === 0) peak = Math.max(peak, process.memoryUsage.rss());
          };
          res.once('data', async (first: Buffer) => {
            count(first);
            if (pauseFirst) {
              // A slow visitor: while it reads nothing, helpgate must stop reading upstream too.
              res.pause();
              await delay(300);
              t.ok(
                written() < 32 * MB,
                `upstream held back by backpressure (${written() >> 20} MB sent)`,
              );
            }
            res.on('data', count);
            res.resume();
          });
          res.on('end', () => resolve(received));
          res.on('error', reject);
        })
        .on('error', reject);
    });

  // The first transfer warms up buffers, JIT and socket windows; growth is measured after it.
  await download(32, false);
  const baseline = process.memoryUsage.rss();
  peak = baseline;
  t.equal(await download(256, true), 256 * MB, 'every byte arrived');
  const growth = (Math.max(peak, process.memoryUsage.rss()) - baseline) / MB;
  t.ok(growth < 64, `resident memory grew by ${growth.toFixed(1)} MB for 256 MB streamed`);
});
