// A site behind helpgate and a client that behaves like a browser with the beacon: it keeps
// the visitor cookie, asks for pages and sends the contract's heartbeats. Time is a TestClock.
import type { Test } from 'tap';
import type { CapacityReply } from '../../src/api/capacity-api.js';
import type { SessionView } from '../../src/api/session-view.js';
import type { Helpgate, HelpgateOptions } from '../../src/app.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { sharedPartsFor } from '../../src/store/shared-parts-for.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { startHelpgate, startServer, testConfig } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

export const PAGE =
  '<!DOCTYPE html><html><head><title>Shop</title></head><body><h1>Shop</h1></body></html>';

export interface Site {
  url: string;
  clock: TestClock;
  helpgate: Helpgate;
  /** Extra response headers the upstream sends, per pathname. */
  upstreamHeaders: Map<string, Record<string, string | string[]>>;
  visitor(): Visitor;
}

export interface HeartbeatReply {
  next: number;
  offer: { id: string; kind: string; html: string; expiresInMs: number; reasons: string[] } | null;
  withdraw: string[];
}

/**
 * The store the claims run on: the memory store, or with `HELPGATE_TEST_STORE=redis` every
 * shared part on a redis-server of the test's own (`test/e2e/claims-on-redis.test.ts`).
 */
const testStore = () => (process.env.HELPGATE_TEST_STORE === 'redis' ? 'redis' : 'memory');

/** Starts an HTML upstream and helpgate in front of it, with an injected clock. */
export async function startSite(
  t: Test,
  input: Partial<ConfigInput> = {},
  options: Pick<HelpgateOptions, 'logger' | 'stats'> & { clock?: TestClock } = {},
): Promise<Site> {
  const upstreamHeaders = new Map<string, Record<string, string | string[]>>();
  const upstream = await startServer(t, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'public, max-age=60',
      ...upstreamHeaders.get(path),
    });
    res.end(PAGE);
  });
  const { clock = new TestClock(), ...rest } = options;
  const site: Partial<ConfigInput> & { upstream: string } = {
    upstream: upstream.url,
    heartbeat: { interval: '5s' },
    admin: { token: ADMIN_TOKEN },
    // Claims 1–10 are about deciding; the capacity gate has its own claims (13–16, 23–35).
    gate: { mode: 'always' },
    ...input,
  };
  let shared: Partial<HelpgateOptions> = {};
  if (testStore() === 'redis') {
    const redis = await startRedisServer(t);
    site.store = { kind: 'redis', url: redis.url, keyPrefix: 'hg:', timeout: '2s' };
    const parts = await sharedPartsFor(testConfig(site), { clock, logger: silentLogger() });
    await (parts.parts.capacity as { ready?(): Promise<void> } | undefined)?.ready?.();
    t.teardown(async () => {
      await parts.close();
      await parts.store.close();
    });
    shared = { store: parts.store, ...parts.parts };
  }
  const { url, helpgate } = await startHelpgate(t, site, { clock, ...shared, ...rest });
  return { url, clock, helpgate, upstreamHeaders, visitor: () => new Visitor(url) };
}

let pvCounter = 0;

/** One browser tab's worth of a visitor. */
export class Visitor {
  cookie = '';
  pv = '';
  path = '/';
  seq = 0;

  constructor(private readonly base: string) {}

  /** Loads a page (as a navigation), keeps the cookie, starts a new page view. */
  async open(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ res: Response; html: string }> {
    const res = await fetch(`${this.base}${path}`, {
      headers: { 'sec-fetch-dest': 'document', cookie: this.cookie, ...headers },
    });
    const set = res.headers.get('set-cookie');
    const mine = set?.split(/,(?=\s*hg_sid=)/).find((c) => c.trim().startsWith('hg_sid='));
    if (mine) this.cookie = mine.split(';')[0]!.trim();
    this.pv = `pv${++pvCounter}`;
    this.path = path;
    this.seq = 0;
    return { res, html: await res.text() };
  }

  /**
   * Loads `path` and sends its first heartbeat, as a browser running the beacon does: the
   * session is proven, so later pages may carry offers (DESIGN.md, "onRequest triggers").
   */
  async arrive(path = '/'): Promise<this> {
    await this.open(path);
    await this.beat();
    return this;
  }

  /** A heartbeat of the current page view (`extra` adds focus, errors, …). */
  async beat(extra: Record<string, unknown> = {}): Promise<HeartbeatReply> {
    const res = await this.post({
      pv: this.pv,
      path: this.path,
      seq: this.seq++,
      visible: true,
      ...extra,
    });
    if (res.status !== 200)
      throw new Error(`heartbeat answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as HeartbeatReply;
  }

  /** `POST offers/{id}/{action}` as the beacon's panel sends it. */
  answer(offerId: string, action: 'accept' | 'dismiss'): Promise<Response> {
    return fetch(`${this.base}/__helpgate/offers/${offerId}/${action}`, {
      method: 'POST',
      headers: { cookie: this.cookie },
    });
  }

  post(body: unknown): Promise<Response> {
    return fetch(`${this.base}/__helpgate/hb`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: this.cookie },
      body: JSON.stringify(body),
    });
  }

  /** The session id in the cookie. */
  get sid(): string {
    return this.cookie.slice('hg_sid='.length).split('.')[0]!;
  }
}

/** Sends heartbeats every `intervalMs` of clock time until one carries an offer (or `max`). */
export async function beatUntilOffer(
  site: Site,
  visitor: Visitor,
  max: number,
  extra: () => Record<string, unknown> = () => ({}),
): Promise<{ reply: HeartbeatReply; beats: number }> {
  let reply: HeartbeatReply = { next: 0, offer: null, withdraw: [] };
  for (let beats = 1; beats <= max; beats++) {
    site.clock.advance(5_000);
    reply = await visitor.beat(extra());
    if (reply.offer) return { reply, beats };
  }
  return { reply, beats: max };
}

/** `GET api/sessions/{sid}` with the admin token. */
export async function sessionView(site: Site, sid: string): Promise<SessionView> {
  const res = await fetch(`${site.url}/__helpgate/api/sessions/${sid}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return (await res.json()) as SessionView;
}

/** Agents used by the capacity claims: tokens for `agents.list`. */
export const AGENTS = [
  { id: 'alice', name: 'Alice', token: 'alice-token-0123456789' },
  { id: 'bob', name: 'Bob', token: 'bob-token-0123456789ab' },
];

/** `PUT api/agents/{id}` with the admin token, as a contact-centre system would. */
export async function setAgent(
  site: Site,
  id: string,
  change: { status?: 'available' | 'busy' | 'away'; capacity?: number },
): Promise<void> {
  const res = await fetch(`${site.url}/__helpgate/api/agents/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
  if (res.status !== 200)
    throw new Error(`PUT api/agents/${id}: ${res.status} ${await res.text()}`);
}

/** `GET api/capacity` with the admin token. */
export async function capacity(site: Site): Promise<CapacityReply> {
  const res = await fetch(`${site.url}/__helpgate/api/capacity`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return (await res.json()) as CapacityReply;
}

/**
 * A visitor who accepts an inline offer on `path` (a trigger there must fire on the first
 * heartbeat and the gate must be open): afterwards that visitor holds one agent slot.
 */
export async function occupySlot(site: Site, path = '/busy'): Promise<Visitor> {
  const visitor = site.visitor();
  await visitor.open(path);
  site.clock.advance(5_000);
  const { offer } = await visitor.beat();
  if (!offer) throw new Error('occupySlot: no offer to accept');
  const res = await visitor.answer(offer.id, 'accept');
  if (res.status !== 200) throw new Error(`occupySlot: accept answered ${res.status}`);
  return visitor;
}

/** The trigger {@link occupySlot} relies on. */
export const BUSY_TRIGGER = { name: 'busy-maker', pages: ['/busy'], when: { heartbeats: 1 } };

/**
 * Agents, gate and offers of the learned-maxWait scenarios (claims 16, 25, 33): one agent with
 * one slot and a 60 s mean handle time, so a wait once that slot is taken; maxWait is the
 * median of at least three response times, 10 s before that.
 */
export const LEARNED_WAIT_SITE = {
  agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
  gate: {
    mode: 'within',
    maxWait: 'learned',
    learned: { percentile: 50, minSamples: 3, fallback: '10s', min: '5s', max: '5m' },
  },
  offers: { expireAfter: '5m' },
} satisfies Partial<ConfigInput>;

/** The offer id a page carries (page delivery), or `null`. */
export function pageOfferId(html: string): string | null {
  return /data-helpgate-offer="([^"]+)"/.exec(html)?.[1] ?? null;
}

/**
 * Teaches helpgate response times: one visitor per entry gets an inline offer on `/busy`
 * (all at the same moment), and each accepts it `ms` later, in order. Needs as many free
 * slots as entries; afterwards each holds a conversation.
 */
export async function learnFrom(site: Site, responseTimesMs: readonly number[]): Promise<void> {
  const offers: { visitor: Visitor; id: string }[] = [];
  for (const _ of responseTimesMs) {
    const visitor = site.visitor();
    await visitor.open('/busy');
    offers.push({ visitor, id: '' });
  }
  site.clock.advance(5_000);
  for (const entry of offers) {
    const { offer } = await entry.visitor.beat();
    if (!offer) throw new Error('learnFrom: no offer (is a slot free?)');
    entry.id = offer.id;
  }
  let elapsed = 0;
  for (const [index, ms] of responseTimesMs.entries()) {
    site.clock.advance(ms - elapsed);
    elapsed = ms;
    const res = await offers[index]!.visitor.answer(offers[index]!.id, 'accept');
    if (res.status !== 200) throw new Error(`learnFrom: accept answered ${res.status}`);
  }
}
