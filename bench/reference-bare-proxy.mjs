// helpgate's HTML rewriter (the same five strip selectors and script tag) in a bare Node proxy:
// node:http in front, undici to the upstream, every page rewritten as it streams, no sessions,
// no cache, no rewrite slots. Built exactly like the lol-html reference proxy, it shows how much
// of helpgate's cost on a page is the rewriter and how much the rest of helpgate.
//
//   node bench/reference-bare-proxy.mjs <upstream url>      (after `npm run build`)
import { Pool } from 'undici';
import { createBenchRewriter } from './helpgate-rewriter.mjs';
import { serveProxy } from './proxy-server.mjs';

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write('usage: node bench/reference-bare-proxy.mjs <upstream url>\n');
  process.exit(2);
}
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });

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
  const rewriter = createBenchRewriter();
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

serveProxy(proxy);
