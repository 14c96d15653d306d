import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import t from 'tap';
import { isRewritableRequest, responseRewritability } from '../../src/rewrite/is-rewritable.js';

function request(
  method: string,
  headers: Record<string, string> = {},
  url = '/page',
): IncomingMessage {
  return {
    method,
    url,
    headers: { host: 'shop.example', ...headers },
    socket: {},
  } as unknown as IncomingMessage;
}

const html: OutgoingHttpHeaders = { 'content-type': 'text/html; charset=utf-8' };
const verdict = (req: IncomingMessage, status: number, headers: OutgoingHttpHeaders) =>
  responseRewritability(req, status, headers);
const opts = { frames: false, excluded: false };

t.test('only document navigations are rewritten', async (t) => {
  t.ok(isRewritableRequest(request('GET'), opts), 'GET without Sec-Fetch-Dest');
  t.ok(
    isRewritableRequest(request('POST', { 'sec-fetch-dest': 'document' }), opts),
    'POST document',
  );
  t.notOk(isRewritableRequest(request('HEAD'), opts), 'HEAD');
  t.notOk(isRewritableRequest(request('PUT'), opts), 'PUT');
  t.notOk(isRewritableRequest(request('GET', { 'sec-fetch-dest': 'empty' }), opts), 'fetch/XHR');
  t.notOk(
    isRewritableRequest(request('GET', { 'x-requested-with': 'XMLHttpRequest' }), opts),
    'legacy XHR',
  );
  t.notOk(isRewritableRequest(request('GET', { 'sec-fetch-dest': 'iframe' }), opts), 'iframe');
  t.ok(
    isRewritableRequest(request('GET', { 'sec-fetch-dest': 'iframe' }), { ...opts, frames: true }),
    'iframe with rewrite.frames',
  );
  t.notOk(isRewritableRequest(request('GET'), { ...opts, excluded: true }), 'excluded path');
});

t.test('only rewritable responses are rewritten', async (t) => {
  const get = request('GET');
  t.same(verdict(get, 200, html), { rewrite: true, nonce: null });
  t.same(verdict(get, 404, html), { rewrite: true, nonce: null }, 'any status');
  t.equal(verdict(request('HEAD'), 200, html).rewrite, false, 'HEAD');
  for (const status of [204, 206, 304])
    t.equal(verdict(get, status, html).rewrite, false, `${status}`);
  t.equal(verdict(get, 200, { 'content-type': 'application/xhtml+xml' }).rewrite, false, 'XHTML');
  t.equal(verdict(get, 200, { 'content-type': 'application/json' }).rewrite, false, 'JSON');
  t.equal(verdict(get, 200, {}).rewrite, false, 'no content type');
  t.equal(
    verdict(get, 200, { ...html, 'content-disposition': 'attachment; filename="a.html"' }).rewrite,
    false,
    'attachment',
  );
  t.equal(
    verdict(get, 200, { ...html, 'cache-control': 'public, no-transform' }).rewrite,
    false,
    'no-transform',
  );
  t.equal(verdict(get, 200, { ...html, 'content-encoding': 'zstd' }).rewrite, false, 'zstd');
  t.equal(
    verdict(get, 200, { ...html, 'content-encoding': 'gzip, br' }).rewrite,
    false,
    'stacked codings',
  );
  for (const coding of ['gzip', 'deflate', 'br', 'identity']) {
    t.equal(verdict(get, 200, { ...html, 'content-encoding': coding }).rewrite, true, coding);
  }
});

t.test('the page CSP decides, and is never weakened', async (t) => {
  const get = request('GET');
  const csp = (policy: string | string[]) =>
    verdict(get, 200, { ...html, 'content-security-policy': policy } as OutgoingHttpHeaders);
  t.same(csp("default-src 'self'"), { rewrite: true, nonce: null });
  t.same(csp("script-src 'self' https://cdn.example; connect-src 'self'"), {
    rewrite: true,
    nonce: null,
  });
  t.same(csp("script-src 'nonce-abc123' 'strict-dynamic'; connect-src *"), {
    rewrite: true,
    nonce: 'abc123',
  });
  t.same(
    csp("script-src 'self' 'nonce-xyz'"),
    { rewrite: true, nonce: 'xyz' },
    'the nonce is carried',
  );
  t.same(csp('script-src shop.example'), { rewrite: true, nonce: null }, 'host-source of the page');
  t.equal(
    csp("script-src 'self' 'strict-dynamic'").rewrite,
    false,
    'strict-dynamic without a nonce',
  );
  t.equal(csp("script-src 'none'").rewrite, false);
  t.equal(
    csp("default-src 'none'; script-src 'self'").rewrite,
    false,
    'connect-src falls back to none',
  );
  t.equal(
    csp("script-src-elem https://cdn.example; script-src 'self'").rewrite,
    false,
    'script-src-elem wins',
  );
  t.equal(
    csp(["default-src 'self'", "script-src 'sha256-abc'"]).rewrite,
    false,
    'every policy applies',
  );
  t.same(
    verdict(get, 200, { ...html, 'content-security-policy-report-only': "script-src 'none'" }),
    { rewrite: true, nonce: null },
    'report-only blocks nothing',
  );
});

t.test('a page declared UTF-16 is not rewritten: its markup is not ASCII bytes', async (t) => {
  // Rewritten, it went out decoded and re-encoded with a weakened ETag and its help stripped.
  const get = request('GET');
  for (const charset of ['utf-16', 'UTF-16LE', '"utf-16be"', 'unicode', 'iso-2022-jp']) {
    t.match(
      verdict(get, 200, { 'content-type': `text/html; charset=${charset}` }),
      { rewrite: false, reason: /^charset (utf-16|iso-2022-jp)/ },
      charset,
    );
  }
  for (const charset of ['utf-8', 'windows-1252', 'shift_jis', 'no-such-charset']) {
    t.equal(verdict(get, 200, { 'content-type': `text/html; charset=${charset}` }).rewrite, true);
  }
});
