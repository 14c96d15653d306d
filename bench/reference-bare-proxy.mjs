// helpgate's HTML rewriter (the same five strip selectors and script tag) in a bare Node proxy:
// node:http in front, undici to the upstream, every page rewritten as it streams, no sessions,
// no cache, no rewrite slots. Built exactly like the lol-html reference proxy, it shows how much
// of helpgate's cost on a page is the rewriter and how much the rest of helpgate.
//
//   node bench/reference-bare-proxy.mjs <upstream url>      (after `npm run build`)
import http from 'node:http';
import { Pool } from 'undici';
import { compileSelectors } from '../dist/src/rewrite/compile-selectors.js';
import { createHtmlRewriter } from '../dist/src/rewrite/html-rewriter.js';
import { exitWithParent } from './children.mjs';
import { BEACON_TAG, STRIP } from './fixtures.mjs';

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write('usage: node bench/reference-bare-proxy.mjs <upstream url>\n');
  process.exit(2);
}
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const matcher = compileSelectors(STRIP);

async function proxy(req, res) {
  const aborted = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort();
  });
  const answer = await pool.request({ method: 'GET', path: req.url, signal: aborted.signal });
  const html = String(answer.headers['content-type'] ?? '').startsWith('text/html');
  const headers = { 'content-type': answer.headers['content-type'] };
  if (!html) {
    res.writeHead(answer.statusCode, headers);
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
    return;
  }
  res.writeHead(answer.statusCode, headers);
  const rewriter = createHtmlRewriter({
    matcher,
    beaconTag: () => BEACON_TAG,
    nonce: null,
    contentTypeCharset: 'utf-8',
    maxBytes: 8 * 1024 * 1024,
  });
  // The output of one input chunk goes out in one socket write, as helpgate sends it.
  const send = (out) => {
    res.cork();
    for (const piece of out) res.write(piece);
    res.uncork();
  };
  for await (const chunk of answer.body) send(rewriter.write(chunk));
  send(rewriter.end());
  res.end();
}

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
