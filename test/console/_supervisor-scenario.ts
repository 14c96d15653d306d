// A scripted afternoon behind helpgate with known numbers: five offers shown (three accepted,
// one dismissed, one expired), two visitors queued behind one agent, one promise kept and one
// broken, two first replies, two conversations ended, one still waiting for its first reply.
import type { Test } from 'tap';
import { AGENTS, type Site, setAgent, startSite, type Visitor } from '../claims/_visitor.js';

type SiteOptions = NonNullable<Parameters<typeof startSite>[2]>;

/** A path a visitor chose, shown on the supervisor's page: it must stay text. */
export const HOSTILE_PATH = '/checkout/<img src=x onerror=alert(1)>';

export const EXPECTED = {
  offersShown: 5,
  offersAccepted: 3,
  offersDismissed: 1,
  offersExpired: 1,
  offersWithdrawn: 0,
  acceptanceRate: 0.6,
  queued: 2,
  assigned: 3,
  promisesKept: 1,
  promisesBroken: 1,
  firstReplies: 2,
  conversationsEnded: 2,
  abandoned: 0,
} as const;

export interface Scenario {
  site: Site;
  /** The conversation still open, with no agent reply yet. */
  open: string;
}

export const ALICE = AGENTS[0]!;

async function shownOffer(site: Site, visitor: Visitor, path: string): Promise<string> {
  await visitor.open(path);
  site.clock.advance(5_000);
  const { offer } = await visitor.beat();
  if (!offer) throw new Error(`no offer on ${path}`);
  return offer.id;
}

async function accept(visitor: Visitor, offerId: string) {
  const res = await visitor.answer(offerId, 'accept');
  if (res.status !== 200) throw new Error(`accept answered ${res.status}`);
  return (await res.json()) as { conversationId: string; estimatedWaitSeconds: number | null };
}

async function asAlice(site: Site, method: string, id: string, body?: unknown) {
  const res = await fetch(
    `${site.url}/__helpgate/api/conversations/${id}${body ? '/messages' : ''}`,
    {
      method,
      headers: { authorization: `Bearer ${ALICE.token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    },
  );
  if (res.status >= 300)
    throw new Error(`${method} conversation: ${res.status} ${await res.text()}`);
}

/**
 * Runs the scenario; `aliceName` is the name the config gives the one agent who serves,
 * `options` what the site's helpgate is built with (its statistics, its clock).
 */
export async function runScenario(
  t: Test,
  aliceName = 'Alice',
  options: SiteOptions = {},
): Promise<Scenario> {
  const site = await startSite(
    t,
    {
      agents: {
        list: [{ ...ALICE, name: aliceName }, ...AGENTS.slice(1)],
        defaultCapacity: 1,
        averageHandleTime: '60s',
      },
      offers: { expireAfter: '30s' },
      triggers: [{ name: 'stuck-at-checkout', pages: ['/checkout/**'], when: { heartbeats: 1 } }],
    },
    options,
  );
  await setAgent(site, 'alice', { status: 'available' });
  const [a, b, c, d, e] = [0, 1, 2, 3, 4].map(() => site.visitor()) as Visitor[];
  const first = await accept(a!, await shownOffer(site, a!, '/checkout/cart'));
  const dismiss = await c!.answer(await shownOffer(site, c!, '/checkout/cart'), 'dismiss');
  if (dismiss.status !== 200) throw new Error(`dismiss answered ${dismiss.status}`);
  await shownOffer(site, d!, '/checkout/address');
  const kept = await accept(b!, await shownOffer(site, b!, '/checkout/pay'));
  const late = await accept(e!, await shownOffer(site, e!, HOSTILE_PATH));
  // D's offer expires unanswered.
  site.clock.advance(31_000);
  await d!.beat();
  await asAlice(site, 'POST', first.conversationId, { text: 'Hello, how can I help?' });
  site.clock.advance(5_000);
  await asAlice(site, 'DELETE', first.conversationId);
  // B was promised kept.estimatedWaitSeconds and got Alice well within it.
  await asAlice(site, 'POST', kept.conversationId, { text: 'Hi, I am here.' });
  // E waits past the promise made: broken.
  site.clock.advance(((late.estimatedWaitSeconds ?? 0) + 10) * 1000);
  for (const visitor of [b!, e!]) await visitor.beat();
  await asAlice(site, 'DELETE', kept.conversationId);
  await site.helpgate.conversations.settled();
  await site.helpgate.stats.flush();
  return { site, open: late.conversationId };
}
