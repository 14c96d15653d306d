// helpgate's own cookies never cross the proxy: the site cannot set them, nor read them, on any
// kind of response or request (HTML or not, rewritten or not, WebSocket upgrades).
import type http from 'node:http';
import t, { type Test } from 'tap';
import { WebSocket, WebSocketServer } from 'ws';
import { createHelpgate } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { createVisitorCookies } from '../../src/session/visitor-cookie.js';
import { startServer, TEST_SECRET, testConfig } from '../fixtures/servers.js';

const cookies = createVisitorCookies([TEST_SECRET]);
/** A validly signed hg_sid of someone else's choosing (the fixation attacker's own visit). */
const planted = cookies.setCookie(cookies.mint(), { secure: false });

/** Lines that set hg_sid as a browser reads them, spelled as an upstream might. */
const SETS_HG_SID = [
  planted,
  'hg_sid =spaced; Path=/',
  'hg_sid\t=tabbed',
  // A nameless cookie goes back to the server as its bare value: `hg_sid=nameless`.
  '=hg_sid=nameless; Path=/',
];
/** Other cookies, some with names close to hg_sid: a browser keeps them apart from it. */
const OTHERS = [
  'HG_SID=upper; Path=/',
  '__Host-hg_sid=host; Path=/; Secure',
  '__Secure-hg_sid=secure; Secure',
  'hg_sid2=other',
  'xhg_sid=prefixed',
  'theme=dark; Path=/',
  'note=hg_sid=in-the-value',
];

/** helpgate in front of `upstream`, wired as the CLI does (requests and upgrades). */
async function startGate(t: Test, upstream: string): Promise<string> {
  const helpgate = createHelpgate(testConfig({ upstream }), { logger: silentLogger() });
  const { server, url } = await startServer(t, (req, res) => helpgate.handleRequest(req, res));
  server.on('upgrade', (req, socket, head) => helpgate.handleUpgrade(req, socket, head));
  t.teardown(() => helpgate.close());
  return url;
}

/**
 * An upstream that sets every cookie of {@link SETS_HG_SID} and {@link OTHERS} on each answer
 * (an HTML page, JSON, a redirect, a WebSocket's 101) and records the Cookie header of each
 * WebSocket upgrade it receives.
 */
async function cookieSettingUpstream(t: Test) {
  const upgradeCookies: Array<string | undefined> = [];
  const { server, url } = await startServer(t, (req, res) => {
    res.setHeader('set-cookie', [...SETS_HG_SID, ...OTHERS]);
    if (req.url === '/page') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!DOCTYPE html><html><head><title>x</title></head><body>page</body></html>');
    } else if (req.url === '/login') {
      res.writeHead(303, { location: '/account' }).end();
    } else {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    }
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('headers', (headers) => {
    for (const line of [...SETS_HG_SID, ...OTHERS]) headers.push(`Set-Cookie: ${line}`);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    upgradeCookies.push(req.headers.cookie);
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => ws.send(data)));
  });
  t.teardown(() => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  return { url, upgradeCookies };
}

/** Opens a WebSocket; resolves with its handshake response once open. */
function openSocket(url: string, cookie: string) {
  const ws = new WebSocket(url, { headers: { cookie } });
  return new Promise<{ ws: WebSocket; setCookie: string[] }>((resolve, reject) => {
    let setCookie: string[] = [];
    ws.once('upgrade', (res) => {
      setCookie = res.headers['set-cookie'] ?? [];
    });
    ws.once('open', () => resolve({ ws, setCookie }));
    ws.once('error', reject);
  });
}

t.test('cookie injection: the upstream cannot set hg_sid', async (t) => {
  // Attack: an upstream response (a compromised page, a header it echoes from input) sets
  // hg_sid, replacing the visitor's cookie with one the attacker holds (session fixation).
  const upstream = await cookieSettingUpstream(t);
  const gate = await startGate(t, upstream.url);
  const visitor = `hg_sid=${cookies.sign(cookies.mint())}`;

  for (const path of ['/page', '/data.json', '/login']) {
    for (const cookie of [visitor, '']) {
      const res = await fetch(`${gate}${path}`, {
        headers: { cookie, 'sec-fetch-dest': 'document' },
        redirect: 'manual',
      });
      await res.arrayBuffer();
      const lines = res.headers.getSetCookie();
      const label = `${path} ${cookie ? 'with' : 'without'} a cookie`;
      t.same(
        lines.filter((line) => !line.startsWith('hg_sid=')),
        OTHERS,
        `${label}: the other cookies pass, in order`,
      );
      const own = lines.filter((line) => line.startsWith('hg_sid='));
      if (path === '/page' && cookie === '') {
        t.equal(own.length, 1, `${label}: only the cookie helpgate minted`);
        t.not(cookies.read(own[0]!.split(';')[0]), null, `${label}: signed by helpgate`);
        t.not(own[0], planted);
      } else {
        t.same(own, [], `${label}: no hg_sid at all`);
      }
    }
  }

  const { ws, setCookie } = await openSocket(`${gate.replace('http', 'ws')}/live`, visitor);
  t.teardown(() => ws.terminate());
  t.same(setCookie, OTHERS, 'a WebSocket 101 sets no hg_sid either');
});

t.test('cookie leak: hg_sid is not sent upstream on a WebSocket upgrade', async (t) => {
  // Attack: the site (or whoever reads its logs) learns the visitor's session cookie from a
  // WebSocket handshake and replays it to take over the visitor's session and offers.
  const upstream = await cookieSettingUpstream(t);
  const gate = await startGate(t, upstream.url);
  const sid = `hg_sid=${cookies.sign(cookies.mint())}`;
  const wsUrl = `${gate.replace('http', 'ws')}/live`;

  const mixed = await openSocket(wsUrl, `a=1; ${sid}; b=2`);
  t.teardown(() => mixed.ws.terminate());
  const alone = await openSocket(wsUrl, sid);
  t.teardown(() => alone.ws.terminate());
  const echoed = new Promise<string>((resolve) => mixed.ws.once('message', (d) => resolve(`${d}`)));
  mixed.ws.send('still a tunnel');
  t.equal(await echoed, 'still a tunnel');
  t.same(upstream.upgradeCookies, ['a=1; b=2', undefined], 'other cookies pass, hg_sid does not');
});
