// The benchmark's upstream: a plain node:http server, run in its own process.
// GET /page (the same page), /page/N (distinct pages), /data.json, /blob (1 MB binary).
import http from 'node:http';
import { SMALL_JSON, shopPage } from './fixtures.mjs';

const page = Buffer.from(shopPage());
const blob = Buffer.alloc(1024 * 1024, 7);
let counter = 0;

const server = http.createServer((req, res) => {
  if (req.url === '/page') {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': page.length,
    });
    res.end(page);
  } else if (req.url?.startsWith('/unique')) {
    const body = Buffer.from(shopPage(++counter));
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
    });
    res.end(body);
  } else if (req.url === '/data.json') {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(SMALL_JSON),
    });
    res.end(SMALL_JSON);
  } else if (req.url === '/blob') {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': blob.length,
    });
    res.end(blob);
  } else {
    res.writeHead(404).end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
