// Thousands of random and hostile heartbeat bodies through the real endpoint: the process
// keeps answering, never with a 5xx, and another visitor's session does not change.
import t from 'tap';
import { startSite } from '../claims/_visitor.js';

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20260101;
const BODIES = 2_000;
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

function randomValue(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 6 ? 6 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return [0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, 0.5, -0][Math.floor(rand() * 6)];
    case 3:
      return 'x'.repeat(Math.floor(rand() * 3) === 0 ? 9_000 : Math.floor(rand() * 300));
    case 4:
      return ['/', '/checkout', '', 'pv1', '\u0000', '../..', '<script>'][Math.floor(rand() * 7)];
    case 5:
      return `/${String.fromCharCode(Math.floor(rand() * 0xffff))}`;
    case 6:
      return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const keys = ['pv', 'path', 'seq', 'visible', 'focus', 'errors', 'offer', 'field', 'ms'];
      for (let i = Math.floor(rand() * 6); i > 0; i--) {
        const key =
          rand() < 0.2
            ? HOSTILE_KEYS[Math.floor(rand() * HOSTILE_KEYS.length)]!
            : keys[Math.floor(rand() * keys.length)]!;
        out[key] = randomValue(rand, depth + 1);
      }
      return out;
    }
  }
}

/** A body as text: mostly JSON (often almost valid), sometimes broken or deeply nested. */
function randomBody(rand: () => number, pv: string): string {
  const kind = rand();
  if (kind < 0.05) return '['.repeat(5_000);
  if (kind < 0.1) return `{"pv":"${pv}","path":"/x","seq":1,"visible":true`;
  if (kind < 0.15) return '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}';
  if (kind < 0.55) {
    // Almost valid: the right shape with one field replaced.
    const body: Record<string, unknown> = {
      pv,
      path: '/checkout',
      seq: Math.floor(rand() * 1e6),
      visible: true,
      focus: { field: 'card', ms: 1000 },
      errors: [{ field: 'email', message: 'bad' }],
    };
    const keys = Object.keys(body);
    body[keys[Math.floor(rand() * keys.length)]!] = randomValue(rand, 0);
    return JSON.stringify(body);
  }
  return JSON.stringify(randomValue(rand, 0)) ?? 'undefined';
}

t.test(
  'random and malformed heartbeats never break the server or touch another session',
  async (t) => {
    const site = await startSite(t, {
      rateLimit: { perSession: '100000/s', perAddress: '100000/s' },
      triggers: [{ name: 'errors', when: { formErrors: 1 } }],
    });
    const bystander = site.visitor();
    await bystander.open('/checkout');
    await bystander.beat({ focus: { field: 'email', ms: 1_000 } });
    const before = await site.helpgate.store.get(bystander.sid);
    const beforeJson = JSON.stringify(before);

    const attacker = site.visitor();
    await attacker.open('/');
    const rand = prng(SEED);
    const statuses = new Map<number, number>();
    const batch = 50;
    for (let sent = 0; sent < BODIES; sent += batch) {
      const replies = await Promise.all(
        Array.from({ length: batch }, async () => {
          const pv = rand() < 0.5 ? bystander.pv : attacker.pv;
          const res = await fetch(`${site.url}/__helpgate/hb`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: attacker.cookie },
            body: randomBody(rand, pv),
          });
          await res.arrayBuffer();
          return res.status;
        }),
      );
      for (const status of replies) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    t.comment(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    t.notOk(
      [...statuses.keys()].some((s) => s >= 500),
      'no 5xx',
    );
    t.ok(statuses.get(400), 'malformed bodies are refused with 400');
    t.ok(statuses.get(200), 'valid ones among them are taken');
    t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'no prototype was polluted');
    t.equal(JSON.stringify(await site.helpgate.store.get(bystander.sid)), beforeJson);

    const attackerSession = await site.helpgate.store.get(attacker.sid);
    t.ok(
      JSON.stringify(attackerSession).length < 64 * 1024,
      "the attacker's own session stays small",
    );
    site.clock.advance(5_000);
    t.equal((await bystander.beat()).next, 5_000, 'the server still answers the bystander');
  },
);
