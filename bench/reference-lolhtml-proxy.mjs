// The reference rewriting proxy the issue compares helpgate with: node:http in front, undici to
// the upstream, and lol-html (compiled to wasm: html-rewriter-wasm) streaming every HTML page,
// removing the five strip selectors and appending the script to the head. No cache: every page
// is rewritten. Non-HTML streams through.
//
//   node bench/reference-lolhtml-proxy.mjs <upstream url>
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { createLolHtmlRewriter } from './lol-html.mjs';
import { serveProxy } from './proxy-server.mjs';

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write('usage: node bench/reference-lolhtml-proxy.mjs <upstream url>\n');
  process.exit(2);
}
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

/** A lol-html rewriter for one page, writing its output to `res`. */
function pageRewriter(res) {
  return createLolHtmlRewriter((chunk) => res.write(chunk));
}

async function proxy(req, res) {
  // A client that went away (the load generator stopping) must not leave work behind that
  // would slow down the next measurement.
  const aborted = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort();
  });
  const headers = { ...req.headers };
  for (const name of HOP_BY_HOP) delete headers[name];
  delete headers.host;
  const bodyless = req.method === 'GET' || req.method === 'HEAD';
  const answer = await pool.request({
    method: req.method,
    path: req.url,
    headers,
    body: bodyless ? null : req,
    signal: aborted.signal,
  });
  const out = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!HOP_BY_HOP.has(name)) out[name] = value;
  }
  const html = String(answer.headers['content-type'] ?? '').startsWith('text/html');
  if (!html) {
    res.writeHead(answer.statusCode, out);
    await pipeline(answer.body, res);
    return;
  }
  delete out['content-length'];
  res.writeHead(answer.statusCode, out);
  const rewriter = pageRewriter(res);
  try {
    // The output of one input chunk goes out in one socket write, as helpgate sends it.
    for await (const chunk of answer.body) {
      res.cork();
      await rewriter.write(chunk);
      res.uncork();
    }
    res.cork();
    await rewriter.end();
    res.uncork();
  } finally {
    rewriter.free();
  }
  res.end();
}

serveProxy(proxy);
