// A slow-body attack on loopback: 500 connections each POST {prefix}hb with a valid cookie and
// `Content-Length: 8000`, then send nothing (half of them) or one byte a second (the other
// half), while ordinary visitors keep requesting pages. Reports the visitors' latency before and
// during the attack, and when helpgate cut each slow connection against `timeouts.body`.
// Run after `npm run build`:
//
//   node bench/slow-body.mjs
//   BENCH_SLOW_CONNECTIONS=200 BENCH_BODY_TIMEOUT=3s node bench/slow-body.mjs
//
// helpgate runs as `bin/helpgate start` in a child process with the default timeouts but
// `timeouts.body` (BENCH_BODY_TIMEOUT, default 5s, so the run stays short) and the per-address
// rate limit raised: every client here is 127.0.0.1, while a real attack comes from many
// addresses, and a heartbeat refused with 429 never gets to wait for its body. Every loop is
// bounded by a count or a deadline; everything listens on 127.0.0.1 only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startChild, stopAll, stopChildrenOnExit } from './children.mjs';
import { startNodeScript } from './servers.mjs';

const SECRET = 'bench-secret-0123456789abcdef';
const root = fileURLToPath(new URL('..', import.meta.url));
const slowConnections = Number(process.env.BENCH_SLOW_CONNECTIONS ?? 500);
const bodyTimeout = process.env.BENCH_BODY_TIMEOUT ?? '5s';
const phaseSeconds = Number(process.env.BENCH_SECONDS ?? 10);
/** Ordinary visitors' requests per second, alternating a rewritten page and a JSON file. */
const visitorRate = Number(process.env.BENCH_VISITOR_RATE ?? 40);
const DECLARED = 8000;

const { parseDuration } = await import(new URL('dist/src/config/units.js', `file://${root}/`).href);
const { createVisitorCookies } = await import(
  new URL('dist/src/session/visitor-cookie.js', `file://${root}/`).href
);
const bodyTimeoutMs = parseDuration(bodyTimeout);
const cookies = createVisitorCookies([SECRET]);

stopChildrenOnExit();
try {
  await main();
} finally {
  await stopAll();
}

async function main() {
  const upstream = await startNodeScript('upstream', 'bench/upstream.mjs');
  const helpgate = await startGate(upstream.url);
  const pool = new Pool(helpgate.url, { connections: 16 });
  const { host, port } = new URL(helpgate.url);

  process.stderr.write('warming up\n');
  await visitors(pool, 2);
  process.stderr.write(`baseline: ${phaseSeconds} s of ordinary visitors\n`);
  const baseline = await visitors(pool, phaseSeconds);

  process.stderr.write(`attack: ${slowConnections} slow-body connections\n`);
  const attack = [];
  for (let i = 0; i < slowConnections; i++) {
    attack.push(slowBody(host.split(':')[0], Number(port), i % 2 === 0 ? 'silent' : 'trickle'));
  }
  // The visitors keep coming until every slow connection is cut (or twice the limit has passed).
  const during = visitors(pool, Math.max(phaseSeconds, (2 * bodyTimeoutMs) / 1000));
  const slow = await Promise.all(attack);
  const underAttack = await during;
  await pool.close();

  report({ baseline, underAttack, slow });
}

/** helpgate with the default config but for timeouts.body and the per-address rate. */
function startGate(upstreamUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-bench-slow-'));
  const config = join(dir, 'helpgate.yaml');
  writeFileSync(
    config,
    [
      `upstream: ${upstreamUrl}`,
      `secret: ${SECRET}`,
      'listen: { host: 127.0.0.1, port: 0 }',
      `timeouts: { body: ${bodyTimeout} }`,
      "rateLimit: { perAddress: '100000/s' }",
      'state: { file: null }',
      'log: { level: warn }',
      '',
    ].join('\n'),
  );
  return startChild(
    'helpgate',
    process.execPath,
    [join(root, 'bin/helpgate'), 'start', '--config', config],
    {
      ready: 'listening-line',
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    },
  );
}

/**
 * Ordinary visitors for `seconds`: `visitorRate` requests a second, each started on time
 * whatever the previous ones do (so a stalled server shows as latency, not as fewer requests).
 */
async function visitors(pool, seconds) {
  const total = Math.round(seconds * visitorRate);
  const started = performance.now();
  const results = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / visitorRate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    results.push(visit(pool, i % 2 === 0 ? '/page' : '/data.json'));
  }
  return Promise.all(results);
}

async function visit(pool, path) {
  const started = performance.now();
  try {
    const { statusCode, body } = await pool.request({
      path,
      method: 'GET',
      headers: { host: 'shop.example', 'sec-fetch-dest': 'document' },
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    await body.arrayBuffer();
    return { ok: statusCode === 200, ms: performance.now() - started };
  } catch {
    return { ok: false, ms: performance.now() - started };
  }
}

/**
 * One slow-body connection: a heartbeat head declaring 8000 bytes, then nothing or a byte a
 * second. Resolves when helpgate closes the connection, with how long after the head that was
 * and the status it answered, if any. Gives up after three times the limit.
 */
function slowBody(host, port, kind) {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let sentAt = 0;
    let answer = '';
    let trickle;
    const giveUp = setTimeout(() => socket.destroy(), 3 * bodyTimeoutMs + 5_000);
    socket.on('connect', () => {
      socket.write(
        `POST /__helpgate/hb HTTP/1.1\r\nHost: shop.example\r\n` +
          `Cookie: hg_sid=${cookies.sign(cookies.mint())}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${DECLARED}\r\n\r\n`,
      );
      sentAt = performance.now();
      if (kind === 'trickle') trickle = setInterval(() => socket.write('{'), 1_000);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(trickle);
      clearTimeout(giveUp);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? null;
      const cut = sentAt > 0 && performance.now() - sentAt < 3 * bodyTimeoutMs + 5_000;
      resolve({ kind, cut, ms: sentAt > 0 ? performance.now() - sentAt : null, status });
    });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function latency(results) {
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const failed = results.filter((r) => !r.ok).length;
  return `${results.length} requests, ${failed} failed; p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${ms.at(-1).toFixed(1)} ms`;
}

function report({ baseline, underAttack, slow }) {
  const lines = [
    `slow-body attack on loopback: ${slowConnections} connections, timeouts.body ${bodyTimeout}, ${visitorRate} visitor requests/s`,
    `  visitors before the attack: ${latency(baseline)}`,
    `  visitors during the attack: ${latency(underAttack)}`,
  ];
  for (const kind of ['silent', 'trickle']) {
    const group = slow.filter((s) => s.kind === kind);
    const cut = group.filter((s) => s.cut && s.ms !== null);
    const ms = cut.map((s) => s.ms).sort((a, b) => a - b);
    const statuses = {};
    for (const s of group) statuses[s.status ?? 'none'] = (statuses[s.status ?? 'none'] ?? 0) + 1;
    lines.push(
      `  ${kind === 'silent' ? 'sending nothing' : 'a byte a second'}: ${cut.length} of ${group.length} cut, ` +
        `after ${ms[0]?.toFixed(0)}–${ms.at(-1)?.toFixed(0)} ms (p50 ${percentile(ms, 50).toFixed(0)} ms); answers ${JSON.stringify(statuses)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
