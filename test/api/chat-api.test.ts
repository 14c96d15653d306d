// The conversation after "accept", through helpgate's own routes: the visitor's chat/* and the
// agent's api/* (DESIGN.md, "Chat events"), with a real upstream and real event streams.
import t from 'tap';
import {
  ADMIN_TOKEN,
  AGENTS,
  BUSY_TRIGGER,
  capacity,
  occupySlot,
  type Site,
  setAgent,
  startSite,
  type Visitor,
} from '../claims/_visitor.js';
import { openSse } from '../fixtures/sse-client.js';

const ALICE = AGENTS[0]!.token;
const BOB = AGENTS[1]!.token;

async function chatSite(t: Tap, input = {}) {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
    gate: { mode: 'within', maxWait: '5m' },
    triggers: [BUSY_TRIGGER],
    ...input,
  });
  await setAgent(site, 'alice', { status: 'available' });
  return site;
}
type Tap = Parameters<typeof startSite>[0];

/** The visitor's conversation id, from the heartbeat reply a page of the site gets. */
async function conversationOf(visitor: Visitor): Promise<string> {
  const reply = (await visitor.beat()) as unknown as { conversation: { id: string } | null };
  if (!reply.conversation) throw new Error('no conversation in the heartbeat reply');
  return reply.conversation.id;
}

const chat = (site: Site, visitor: Visitor, id: string, action: string, body?: unknown) =>
  fetch(`${site.url}/__helpgate/chat/${id}/${action}`, {
    method: 'POST',
    headers: { cookie: visitor.cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const api = (site: Site, token: string | null, path: string, method = 'GET', body?: unknown) =>
  fetch(`${site.url}/__helpgate/api/${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const visitorEvents = (t: Tap, site: Site, visitor: Visitor, id: string, lastId?: string) =>
  openSse(t, `${site.url}/__helpgate/chat/${id}/events`, {
    cookie: visitor.cookie,
    ...(lastId !== undefined && { 'last-event-id': lastId }),
  });

t.test(
  'the whole path: queued, assigned, messages both ways, typing, page changes, end',
  async (t) => {
    const site = await chatSite(t);
    const first = await occupySlot(site);
    const second = await occupySlot(site);
    const firstId = await conversationOf(first);
    const secondId = await conversationOf(second);

    const agent = await openSse(t, `${site.url}/__helpgate/api/events`, {
      authorization: `Bearer ${ALICE}`,
    });
    const snapshot = await agent.until('snapshot');
    t.match(snapshot.data, {
      queue: [
        { id: secondId, state: 'queued', queuePosition: 1, reasons: ['1 heartbeat on this page'] },
      ],
      conversations: [
        { id: firstId, state: 'assigned', agent: { id: 'alice', name: 'Alice' }, unanswered: true },
      ],
    });

    const visitor = await visitorEvents(t, site, second, secondId);
    t.equal(visitor.headers['content-type'], 'text/event-stream; charset=utf-8');
    t.equal(visitor.headers['cache-control'], 'no-cache, no-transform');
    t.equal(visitor.headers['x-accel-buffering'], 'no');
    // One chat ahead, exponential with mean 60 s until learned: 149 s holds for nine in ten.
    t.match((await visitor.next()).data, {
      position: 1,
      estimatedWaitSeconds: 149,
      revised: false,
    });

    t.equal((await api(site, ALICE, `conversations/${firstId}`, 'DELETE')).status, 204);
    t.match((await visitor.until('assigned')).data, { agent: { name: 'Alice' } });
    const assigned = await agent.until('assigned');
    t.match(assigned.data, {
      conversation: { id: secondId, acceptedOn: '/busy', unanswered: true },
    });

    const sent = await chat(site, second, secondId, 'messages', { text: 'Where is my order?' });
    t.equal(sent.status, 201);
    t.match((await visitor.until('message')).data, { from: 'visitor', text: 'Where is my order?' });
    t.match((await agent.until('message')).data, {
      conversationId: secondId,
      message: { from: 'visitor', text: 'Where is my order?' },
    });
    t.equal((await chat(site, second, secondId, 'typing', { typing: true })).status, 204);
    t.match((await agent.until('typing')).data, {
      conversationId: secondId,
      from: 'visitor',
      typing: true,
    });

    t.equal(
      (await api(site, ALICE, `conversations/${secondId}/typing`, 'POST', { typing: true })).status,
      204,
    );
    t.same((await visitor.next()).data, { from: 'agent', typing: true });
    const reply = await api(site, ALICE, `conversations/${secondId}/messages`, 'POST', {
      text: 'Let me look.',
    });
    t.equal(reply.status, 201);
    t.same((await visitor.next()).data, { from: 'agent', typing: false }, 'a message ends typing');
    const message = await visitor.until('message');
    t.match(message.data, { from: 'agent', name: 'Alice', text: 'Let me look.' });
    t.ok(message.id, 'every logged event has an id');

    const left = { pv: second.pv, path: second.path, seq: second.seq };
    await second.open('/account');
    t.match((await agent.until('page')).data, { conversationId: secondId, path: '/account' });
    // The page just left sends its last heartbeat on pagehide, often after the next page.
    site.clock.advance(1_000);
    t.equal((await second.post({ ...left, visible: false })).status, 200);
    const view = (await (await api(site, ALICE, `conversations/${secondId}`)).json()) as {
      path: string;
    };
    t.equal(
      view.path,
      '/account',
      "a late heartbeat of the page left does not move the agent's view back",
    );
    site.clock.advance(5_000);
    const beat = (await second.beat()) as unknown as { conversation: { id: string } };
    t.same(beat.conversation, { id: secondId }, 'the next page of the site learns of the chat');

    t.equal((await api(site, ALICE, `conversations/${secondId}`, 'DELETE')).status, 204);
    t.match((await visitor.until('ended')).data, { by: 'agent' });
    await visitor.ended;
    t.match(await capacity(site), { freeSlots: 1, queueLength: 0 }, 'the slot is free again');
    const again = await visitorEvents(t, site, second, secondId, message.id);
    t.equal(again.status, 200, 'what followed the last id it saw is still there to replay');
    t.equal((await again.until('ended')).event, 'ended');
    const done = await visitorEvents(t, site, second, secondId, again.lastId());
    t.equal(done.status, 204, 'nothing more will come: 204 stops the browser reconnecting');
    t.equal(
      (await chat(site, second, secondId, 'messages', { text: 'hello?' })).status,
      409,
      'an ended conversation takes no message',
    );
  },
);

t.test(
  'a reconnect with Last-Event-ID (or ?lastEventId=) loses and duplicates nothing',
  async (t) => {
    const site = await chatSite(t);
    const visitor = await occupySlot(site);
    const id = await conversationOf(visitor);
    const stream = await visitorEvents(t, site, visitor, id);
    await stream.until('assigned');
    await api(site, ALICE, `conversations/${id}/messages`, 'POST', { text: 'one' });
    await stream.until('message');
    const seen = stream.lastId()!;
    stream.close();
    await stream.ended;
    for (const text of ['two', 'three']) {
      await api(site, ALICE, `conversations/${id}/messages`, 'POST', { text });
    }
    await chat(site, visitor, id, 'messages', { text: 'four' });
    const resumed = await visitorEvents(t, site, visitor, id, seen);
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push(((await resumed.next()).data as { text: string }).text);
    t.same(texts, ['two', 'three', 'four']);
    const byQuery = await openSse(
      t,
      `${site.url}/__helpgate/chat/${id}/events?lastEventId=${seen}`,
      {
        cookie: visitor.cookie,
      },
    );
    t.equal(
      ((await byQuery.next()).data as { text: string }).text,
      'two',
      'a new page passes the id in the query',
    );
    const stale = await visitorEvents(t, site, visitor, id, '999999');
    const reset = await stale.next();
    t.equal(reset.event, 'reset', 'an id it never gave out: the whole state, never a silent skip');
    t.match(reset.data, { state: 'assigned', agent: { name: 'Alice' } });
    t.same(
      (reset.data as { messages: { text: string }[] }).messages.map((m) => m.text),
      ['one', 'two', 'three', 'four'],
    );
  },
);

t.test('who may use the chat: the visitor it belongs to, from the site itself', async (t) => {
  const site = await chatSite(t);
  const visitor = await occupySlot(site);
  const id = await conversationOf(visitor);
  const stranger = site.visitor();
  await stranger.open('/');
  const post = (headers: Record<string, string>, path = `chat/${id}/messages`) =>
    fetch(`${site.url}/__helpgate/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ text: 'hi' }),
    });
  t.equal((await post({})).status, 401, 'no cookie');
  // Another visitor reading or writing someone else's conversation by its id.
  t.equal((await post({ cookie: stranger.cookie })).status, 403);
  t.equal((await visitorEvents(t, site, stranger, id)).status, 403);
  // A page on another site posting into the visitor's chat with their cookie.
  t.equal((await post({ cookie: visitor.cookie, 'sec-fetch-site': 'cross-site' })).status, 403);
  t.equal((await post({ cookie: visitor.cookie, origin: 'https://evil.example' })).status, 403);
  t.equal((await post({ cookie: visitor.cookie }, 'chat/no-such-id/messages')).status, 404);
  const long = await chat(site, visitor, id, 'messages', { text: 'x'.repeat(2001) });
  t.equal(long.status, 413);
  t.match(await long.json(), { error: { code: 'HG_ERR_MESSAGE_TOO_LONG', message: /2000/ } });
  t.equal((await chat(site, visitor, id, 'messages', { text: 42 })).status, 400);
  const get = await fetch(`${site.url}/__helpgate/chat/${id}/messages`, {
    headers: { cookie: visitor.cookie },
  });
  t.equal(get.status, 405);
});

t.test('who may use the agent API: an agent its own chats, the admin all', async (t) => {
  const site = await chatSite(t);
  await setAgent(site, 'bob', { status: 'available' });
  const visitor = await occupySlot(site);
  const id = await conversationOf(visitor);
  const held = (await (await api(site, ADMIN_TOKEN, 'conversations')).json()) as {
    conversations: { id: string; agentId: string }[];
  };
  const holder = held.conversations.find((c) => c.id === id)!.agentId;
  const [mine, other] = holder === 'alice' ? [ALICE, BOB] : [BOB, ALICE];
  t.equal((await api(site, null, 'events')).status, 401);
  t.equal((await api(site, null, 'queue')).status, 401);
  t.equal((await api(site, 'not-a-token-0123456789', 'conversations')).status, 401);
  // An agent reading or writing a colleague's conversation.
  t.equal((await api(site, other, `conversations/${id}`)).status, 403);
  t.equal(
    (await api(site, other, `conversations/${id}/messages`, 'POST', { text: 'hi' })).status,
    403,
  );
  t.equal((await api(site, mine, `conversations/${id}`)).status, 200);
  t.match(await (await api(site, other, 'conversations')).json(), { conversations: [] });
  t.equal((await api(site, mine, 'conversations/unknown-id')).status, 404);
  const admin = await api(site, ADMIN_TOKEN, `conversations/${id}/messages`, 'POST', {
    text: 'Supervisor here',
  });
  t.match(await admin.json(), { from: 'agent', name: 'Supervisor' });
  t.equal(
    (await api(site, mine, `conversations/${id}/transfer`, 'POST', { to: 'nobody' })).status,
    404,
  );
  const full = await api(site, mine, `conversations/${id}/transfer`, 'POST', {
    to: holder === 'alice' ? 'bob' : 'alice',
    note: 'billing',
  });
  t.equal(full.status, 200, 'to the other agent, available with a free slot');
  t.match(await full.json(), {
    transferNote: 'billing',
    agentId: holder === 'alice' ? 'bob' : 'alice',
  });
});

t.test(
  'session fixation: after a sign-in the conversation belongs to the new session id only',
  async (t) => {
    const site = await chatSite(t, { profiles: { idFrom: { cookie: 'customer_id' } } });
    const visitor = await occupySlot(site);
    const id = await conversationOf(visitor);
    const planted = visitor.cookie;
    site.upstreamHeaders.set('/login', { 'set-cookie': 'customer_id=c-1; Path=/' });
    await visitor.open('/login');
    t.not(visitor.cookie, planted, 'the sign-in gave a new session id');
    t.equal((await chat(site, visitor, id, 'messages', { text: 'still me' })).status, 201);
    const old = await fetch(`${site.url}/__helpgate/chat/${id}/messages`, {
      method: 'POST',
      headers: { cookie: planted, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'the planted cookie' }),
    });
    t.equal(old.status, 403, 'the id an attacker planted no longer reaches the chat');
  },
);

t.test(
  'without JavaScript: the HELP page shows the conversation and sends messages by a plain form',
  async (t) => {
    const site = await chatSite(t);
    const visitor = site.visitor();
    await visitor.open('/busy');
    site.clock.advance(5_000);
    const { offer } = await visitor.beat();
    await visitor.answer(offer!.id, 'accept');
    const id = await conversationOf(visitor);
    const helpPage = async () => {
      const res = await fetch(`${site.url}/__helpgate/help?offer=${offer!.id}`, {
        headers: { cookie: visitor.cookie },
      });
      t.equal(res.status, 200);
      t.match(res.headers.get('content-security-policy'), /default-src 'none'/, 'still no script');
      return res.text();
    };
    t.match(await helpPage(), /You are talking to Alice/);

    // A form post, as the page's <form> sends it: back to the HELP page, which shows it.
    const sent = await fetch(`${site.url}/__helpgate/chat/${id}/messages`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: visitor.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ text: 'My <b>card</b>\r\nis refused' }).toString(),
    });
    t.equal(sent.status, 303);
    t.equal(sent.headers.get('location'), `/__helpgate/help?offer=${offer!.id}`);
    // XSS: what the agent writes, and the agent's name, are text on the page.
    await api(site, ALICE, `conversations/${id}/messages`, 'POST', {
      text: '<script>alert(1)</script>',
    });
    const page = await helpPage();
    t.match(page, '<b>You:</b> My &#60;b&#62;card&#60;/b&#62;\nis refused');
    t.match(page, '<b>Alice:</b> &#60;script&#62;alert(1)&#60;/script&#62;');
    t.notMatch(page, '<script>');
    t.match(page, `action="/__helpgate/chat/${id}/messages"`);

    const tooLong = await fetch(`${site.url}/__helpgate/chat/${id}/messages`, {
      method: 'POST',
      headers: { cookie: visitor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ text: 'x'.repeat(2001) }).toString(),
    });
    t.equal(tooLong.status, 413);
    t.match(tooLong.headers.get('content-type'), /text\/html/, 'a person gets a page, not JSON');
    t.match(await tooLong.text(), /too long/);

    const ended = await fetch(`${site.url}/__helpgate/chat/${id}/end`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: visitor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    t.equal(ended.status, 303);
    const after = await helpPage();
    t.match(after, /This conversation has ended/);
    t.notMatch(after, /<textarea/, 'no form to write into an ended chat');
  },
);

// One visitor opening streams without end (many tabs, or a script) holds at most 3 connections:
// each further one closes the oldest, which is told when to come back.
t.test(
  'stream flood: a visitor holds at most 3 open event streams, the oldest goes first',
  async (t) => {
    const site = await chatSite(t);
    const visitor = await occupySlot(site);
    const id = await conversationOf(visitor);
    const streams = [];
    for (let i = 0; i < 4; i++) {
      const stream = await visitorEvents(t, site, visitor, id);
      await stream.until('assigned');
      streams.push(stream);
    }
    await streams[0]!.ended;
    t.match(streams[0]!.raw(), /retry: \d+\n\n$/, 'the oldest is closed with a retry hint');
    await api(site, ALICE, `conversations/${id}/messages`, 'POST', { text: 'to the open ones' });
    for (const stream of streams.slice(1)) {
      t.match((await stream.until('message')).data, { text: 'to the open ones' });
    }
  },
);
