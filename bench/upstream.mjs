// The benchmark's upstream: a plain node:http server, run in its own process.
// GET /page (the same page every time), /unique/… (a different page on every request, whatever
// the rest of the path), /data.json (1 KB), /blob (1 MB binary).
import http from 'node:http';
import { exitWithParent } from './children.mjs';
import { JSON_1KB, shopPage, shopPageVariants } from './fixtures.mjs';

const page = Buffer.from(shopPage());
const variant = shopPageVariants();
const json = Buffer.from(JSON_1KB);
const blob = Buffer.alloc(1024 * 1024, 7);
let counter = 0;

function send(res, type, body) {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.url === '/page') send(res, 'text/html; charset=utf-8', page);
  else if (req.url?.startsWith('/unique'))
    send(res, 'text/html; charset=utf-8', variant(++counter));
  else if (req.url === '/data.json') send(res, 'application/json', json);
  else if (req.url === '/blob') send(res, 'application/octet-stream', blob);
  else res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url })}\n`);
});
exitWithParent();
