// GET metrics through a whole helpgate: what real traffic leaves in the counters and gauges.
import t from 'tap';
import { ADMIN_TOKEN, AGENTS, setAgent, startSite } from '../claims/_visitor.js';

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

t.test(
  'metrics count proxied pages, heartbeats, triggers and offers, and show capacity',
  async (t) => {
    const site = await startSite(t, {
      agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
      gate: { mode: 'available' },
      offers: { expireAfter: '30s' },
      triggers: [{ name: 'browsing', when: { heartbeats: 1 } }],
    });
    await setAgent(site, 'alice', { status: 'available' });
    const visitor = site.visitor();
    await visitor.open('/products');
    site.clock.advance(5_000);
    const { offer } = await visitor.beat();
    t.equal((await visitor.answer(offer!.id, 'accept')).status, 200);

    const res = await fetch(`${site.url}/__helpgate/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    t.equal(res.status, 200);
    t.match(res.headers.get('content-type'), /^text\/plain/);
    const text = await res.text();
    t.equal(sample(text, 'helpgate_requests_proxied_total{status="200"}'), 1, 'the page');
    t.equal(sample(text, 'helpgate_heartbeats_total{outcome="ok"}'), 1);
    t.equal(sample(text, 'helpgate_triggers_fired_total{trigger="browsing"}'), 1);
    for (const state of ['pending', 'shown', 'accepted']) {
      t.equal(sample(text, `helpgate_offers_total{kind="button",state="${state}"}`), 1, state);
    }
    t.equal(sample(text, 'helpgate_offer_response_seconds_count'), 1);
    t.equal(sample(text, 'helpgate_rewrite_seconds_count'), 1);
    t.equal(sample(text, 'helpgate_agents_available'), 1);
    t.equal(sample(text, 'helpgate_free_slots'), 0);
    t.equal(sample(text, 'helpgate_queue_length'), 0);
    // One chat ahead, handle times taken as exponential with mean 60 s until learned: the
    // promise that holds for nine newcomers in ten (see docs/estimated-wait.md).
    t.equal(sample(text, 'helpgate_estimated_wait_seconds'), 148.008);
    t.equal(sample(text, 'helpgate_live_sessions'), 1);
    t.equal(sample(text, 'helpgate_expire_after_seconds'), 30);

    const anonymous = await fetch(`${site.url}/__helpgate/metrics`);
    t.equal(anonymous.status, 401, 'reading metrics without a token is refused');
  },
);
