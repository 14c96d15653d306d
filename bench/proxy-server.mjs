// The HTTP side of the bench's reference proxies: a node:http server on a free loopback port
// that runs `proxy(req, res)` for every request, answers 502 when it fails before the response
// started (or drops the connection after), prints the listening line the bench waits for, and
// exits with the bench.
import http from 'node:http';
import { exitWithParent } from './children.mjs';

export function serveProxy(proxy) {
  const server = http.createServer((req, res) => {
    proxy(req, res).catch((error) => {
      if (res.destroyed) return;
      if (!res.headersSent) res.writeHead(502).end(String(error));
      else res.destroy(error);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${server.address().port}`;
    process.stdout.write(`${JSON.stringify({ msg: 'listening', url })}\n`);
  });
  exitWithParent();
}
