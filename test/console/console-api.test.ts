// The agents' API with the console cookie: the same rights as the agent's Bearer token (its
// queue, its conversations, its stream), every change with the CSRF header; and the last slot
// taken by two visitors at the same instant gives one conversation and one queue place.
import t from 'tap';
import { AGENTS, BUSY_TRIGGER, setAgent, startSite, type Visitor } from '../claims/_visitor.js';
import { openSse } from '../fixtures/sse-client.js';
import { consoleFetch, login } from './_console-login.js';

const alice = AGENTS[0]!;

async function offered(
  site: Awaited<ReturnType<typeof startSite>>,
): Promise<{ visitor: Visitor; offerId: string }> {
  const visitor = site.visitor();
  await visitor.open('/busy');
  site.clock.advance(5_000);
  const { offer } = await visitor.beat();
  if (!offer) throw new Error('no offer');
  return { visitor, offerId: offer.id };
}

t.test(
  'the console cookie opens what the agent token opens, changes with the CSRF header',
  async (t) => {
    const site = await startSite(t, {
      agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
      gate: { mode: 'within', maxWait: '10m' },
      triggers: [BUSY_TRIGGER],
    });
    const session = await login(site, alice.token);
    t.equal(
      (
        await consoleFetch(site, session, 'api/agents/alice', {
          method: 'PUT',
          body: { status: 'available' },
        })
      ).status,
      200,
    );
    const stream = await openSse(t, `${site.url}/__helpgate/api/events`, {
      cookie: session.cookie,
    });
    t.equal(stream.status, 200, 'api/events with the cookie');
    await stream.until('snapshot');
    const first = await offered(site);
    const accepted = (await (await first.visitor.answer(first.offerId, 'accept')).json()) as {
      conversationId: string;
    };
    const id = accepted.conversationId;
    t.match((await stream.until('assigned')).data, { conversation: { id, path: '/busy' } });
    const listed = await (await consoleFetch(site, session, 'api/conversations')).json();
    t.match(listed, { conversations: [{ id }] }, 'api/conversations: my conversation');
    t.match(await (await consoleFetch(site, session, 'api/queue')).json(), { queue: [] });
    const noCsrf = await consoleFetch(site, session, `api/conversations/${id}/messages`, {
      method: 'POST',
      body: { text: 'Hello' },
      csrf: null,
    });
    t.equal(noCsrf.status, 403, 'a message without the CSRF header');
    const sent = await consoleFetch(site, session, `api/conversations/${id}/messages`, {
      method: 'POST',
      body: { text: 'Hello' },
    });
    t.equal(sent.status, 201, 'with it');
    t.equal(
      (
        await consoleFetch(site, session, `api/conversations/${id}`, {
          method: 'DELETE',
          csrf: null,
        })
      ).status,
      403,
    );
    t.equal(
      (await consoleFetch(site, session, `api/conversations/${id}`, { method: 'DELETE' })).status,
      204,
    );
    const bob = await login(site, AGENTS[1]!.token);
    t.equal(
      (await consoleFetch(site, bob, `api/conversations/${id}`)).status,
      403,
      "not another agent's",
    );
  },
);

t.test(
  'two visitors accepting at the same instant for the last slot: one chat, one queue place',
  async (t) => {
    const site = await startSite(t, {
      agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
      gate: { mode: 'within', maxWait: '10m' },
      triggers: [BUSY_TRIGGER],
    });
    await setAgent(site, 'alice', { status: 'available' });
    const a = await offered(site);
    const b = await offered(site);
    const replies = (await Promise.all([
      a.visitor.answer(a.offerId, 'accept').then((r) => r.json()),
      b.visitor.answer(b.offerId, 'accept').then((r) => r.json()),
    ])) as Array<{ queuePosition: number }>;
    t.same(replies.map((r) => r.queuePosition).sort(), [0, 1], 'one assigned, one first in line');
    const agent = site.helpgate.capacity.agent('alice')!;
    t.equal(agent.conversations, 1, 'capacity never exceeded');
    t.equal(site.helpgate.capacity.queued().length, 1);
  },
);

t.test("the queue shows each form error with the page's message, never a value", async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS },
    gate: { mode: 'always' },
    triggers: [{ name: 'form-trouble', when: { formErrors: 1 } }],
  });
  const session = await login(site, alice.token);
  const visitor = site.visitor();
  await visitor.open('/checkout');
  site.clock.advance(5_000);
  const { offer } = await visitor.beat({
    errors: [{ field: 'card-number', message: 'Card number is invalid' }],
  });
  if (!offer) throw new Error('no offer');
  await visitor.answer(offer.id, 'accept');
  const { queue } = (await (await consoleFetch(site, session, 'api/queue')).json()) as {
    queue: Array<{ formErrors: string[]; formErrorDetails: unknown }>;
  };
  t.same(queue[0]?.formErrors, ['card-number']);
  t.same(queue[0]?.formErrorDetails, [{ field: 'card-number', message: 'Card number is invalid' }]);
});

t.test("a returning customer's earlier conversations come with the new one", async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS },
    gate: { mode: 'always' },
    triggers: [BUSY_TRIGGER],
    profiles: { idFrom: { header: 'x-customer' } },
  });
  site.upstreamHeaders.set('/busy', { 'x-customer': 'c42' });
  await setAgent(site, 'alice', { status: 'available' });
  const session = await login(site, alice.token);
  const chat = async () => {
    const visitor = site.visitor();
    await visitor.open('/');
    await visitor.open('/busy');
    site.clock.advance(5_000);
    const { offer } = await visitor.beat();
    if (!offer) throw new Error('no offer');
    const reply = await visitor.answer(offer.id, 'accept');
    return { visitor, id: ((await reply.json()) as { conversationId: string }).conversationId };
  };
  const first = await chat();
  await fetch(`${site.url}/__helpgate/chat/${first.id}/messages`, {
    method: 'POST',
    headers: { cookie: first.visitor.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Where is order 1234?' }),
  });
  await consoleFetch(site, session, `api/conversations/${first.id}/messages`, {
    method: 'POST',
    body: { text: 'On its way' },
  });
  await consoleFetch(site, session, `api/conversations/${first.id}`, { method: 'DELETE' });
  site.clock.advance(60_000);
  const second = await chat();
  const view = (await (
    await consoleFetch(site, session, `api/conversations/${second.id}`)
  ).json()) as {
    earlier: unknown[];
  };
  t.match(view, {
    customerId: 'c42',
    earlier: [
      {
        id: first.id,
        path: '/busy',
        agentName: 'Alice',
        messages: 2,
        firstMessage: 'Where is order 1234?',
      },
    ],
  });
  t.equal(view.earlier.length, 1, 'not the conversation itself');
});
