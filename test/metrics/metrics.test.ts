import t from 'tap';
import { createMetrics, type GaugeSource } from '../../src/metrics/metrics.js';
import { declares, parseExposition, sampleValue } from './_exposition.js';

const quiet = () => createMetrics({ defaultMetrics: false });

t.test('every recorder shows up with its labels and values', async (t) => {
  const metrics = quiet();
  metrics.requestProxied(200);
  metrics.requestProxied(200);
  metrics.requestProxied(404);
  metrics.heartbeat('ok');
  metrics.heartbeat('ok');
  metrics.heartbeat('rejected');
  metrics.triggerFired('slow-checkout');
  metrics.offer('button', 'pending');
  metrics.offer('button', 'shown');
  metrics.offer('video', 'shown');
  metrics.offer('button', 'accepted');
  metrics.rewriteDuration(3); // 0.003 s
  metrics.rewriteDuration(40); // 0.04 s
  metrics.responseTime(12_000);
  metrics.promise('kept');
  metrics.promise('kept');
  metrics.promise('broken');
  metrics.rewriteRefused();
  metrics.rewriteInflated(16_384);
  metrics.rewriteInflated(100);
  metrics.rewriteInflated(Number.NaN);
  const { contentType, body } = await metrics.render();
  t.equal(sampleValue(body, 'helpgate_rewrites_refused_total'), 1, 'pages left unmodified');
  t.equal(sampleValue(body, 'helpgate_rewrite_inflated_bytes_total'), 16_484, 'bytes inflated');

  t.match(contentType, /^text\/plain; version=0\.0\.4/);
  t.equal(sampleValue(body, 'helpgate_requests_proxied_total', { status: '200' }), 2);
  t.equal(sampleValue(body, 'helpgate_requests_proxied_total', { status: '404' }), 1);
  t.equal(sampleValue(body, 'helpgate_heartbeats_total', { outcome: 'ok' }), 2);
  t.equal(sampleValue(body, 'helpgate_heartbeats_total', { outcome: 'rejected' }), 1);
  t.equal(sampleValue(body, 'helpgate_triggers_fired_total', { trigger: 'slow-checkout' }), 1);
  t.equal(sampleValue(body, 'helpgate_offers_total', { kind: 'button', state: 'pending' }), 1);
  t.equal(sampleValue(body, 'helpgate_offers_total', { kind: 'button', state: 'shown' }), 1);
  t.equal(sampleValue(body, 'helpgate_offers_total', { kind: 'video', state: 'shown' }), 1);
  t.equal(sampleValue(body, 'helpgate_offers_total', { kind: 'button', state: 'accepted' }), 1);

  t.equal(sampleValue(body, 'helpgate_rewrite_seconds_count'), 2);
  t.equal(
    Math.round((sampleValue(body, 'helpgate_rewrite_seconds_sum') ?? 0) * 1000),
    43,
    'recorded in seconds',
  );
  t.equal(sampleValue(body, 'helpgate_rewrite_seconds_bucket', { le: '0.005' }), 1);
  t.equal(sampleValue(body, 'helpgate_rewrite_seconds_bucket', { le: '0.05' }), 2);
  t.equal(sampleValue(body, 'helpgate_offer_response_seconds_count'), 1);
  t.equal(sampleValue(body, 'helpgate_promises_kept_total'), 2);
  t.equal(sampleValue(body, 'helpgate_promises_broken_total'), 1);
  t.equal(sampleValue(body, 'helpgate_offer_response_seconds_sum'), 12);
  t.equal(sampleValue(body, 'helpgate_offer_response_seconds_bucket', { le: '10' }), 0);
  t.equal(sampleValue(body, 'helpgate_offer_response_seconds_bucket', { le: '15' }), 1);
  t.equal(sampleValue(body, 'helpgate_offer_response_seconds_bucket', { le: '+Inf' }), 1);
});

t.test('an odd status or an over-long label cannot multiply the series', async (t) => {
  const metrics = quiet();
  metrics.requestProxied(1234);
  metrics.requestProxied(Number.NaN);
  metrics.triggerFired('x'.repeat(1000));
  metrics.responseTime(-5);
  metrics.rewriteDuration(Number.POSITIVE_INFINITY);
  const { body } = await metrics.render();
  t.equal(sampleValue(body, 'helpgate_requests_proxied_total', { status: 'other' }), 2);
  t.equal(sampleValue(body, 'helpgate_triggers_fired_total', { trigger: 'x'.repeat(64) }), 1);
  t.equal(sampleValue(body, 'helpgate_offer_response_seconds_count'), 0, 'nonsense times skipped');
  t.equal(sampleValue(body, 'helpgate_rewrite_seconds_count'), 0);
});

const GAUGES = {
  maxWaitSeconds: 'helpgate_max_wait_seconds',
  expireAfterSeconds: 'helpgate_expire_after_seconds',
  estimatedWaitSeconds: 'helpgate_estimated_wait_seconds',
  agentsAvailable: 'helpgate_agents_available',
  freeSlots: 'helpgate_free_slots',
  queueLength: 'helpgate_queue_length',
  liveSessions: 'helpgate_live_sessions',
} as const;

t.test('gauges show the source as it is when scraped', async (t) => {
  const metrics = quiet();
  const now: ReturnType<GaugeSource> = {
    maxWaitSeconds: 30,
    expireAfterSeconds: 120,
    estimatedWaitSeconds: 0,
    agentsAvailable: 2,
    freeSlots: 3,
    queueLength: 0,
    liveSessions: 17,
  };
  let reads = 0;
  metrics.setGaugeSource(() => {
    reads++;
    return { ...now };
  });
  let { body } = await metrics.render();
  for (const [key, name] of Object.entries(GAUGES)) {
    t.equal(sampleValue(body, name), now[key as keyof typeof now], name);
  }
  t.equal(reads, 1, 'the source is read once per scrape');

  Object.assign(now, {
    maxWaitSeconds: 42.5,
    estimatedWaitSeconds: 180,
    agentsAvailable: 1,
    freeSlots: 0,
    queueLength: 4,
    liveSessions: 18,
  });
  ({ body } = await metrics.render());
  t.equal(sampleValue(body, 'helpgate_max_wait_seconds'), 42.5);
  t.equal(sampleValue(body, 'helpgate_estimated_wait_seconds'), 180);
  t.equal(sampleValue(body, 'helpgate_free_slots'), 0);
  t.equal(sampleValue(body, 'helpgate_queue_length'), 4);
  t.equal(reads, 2);
});

t.test('an unknown EWT has no sample rather than a misleading 0', async (t) => {
  const metrics = quiet();
  metrics.setGaugeSource(() => ({
    maxWaitSeconds: 30,
    expireAfterSeconds: 120,
    estimatedWaitSeconds: null,
    agentsAvailable: 0,
    freeSlots: 0,
    queueLength: 0,
    liveSessions: 1,
  }));
  const { body } = await metrics.render();
  t.ok(declares(body, 'helpgate_estimated_wait_seconds'), 'the metric is still declared');
  t.notOk(
    parseExposition(body).some((s) => s.name === 'helpgate_estimated_wait_seconds'),
    'but has no sample',
  );
  t.equal(sampleValue(body, 'helpgate_agents_available'), 0, 'a real 0 is still shown');
});

t.test(
  'without a source, or with a failing one, the gauges are empty and the scrape works',
  async (t) => {
    const metrics = quiet();
    metrics.offer('button', 'shown');
    let { body } = await metrics.render();
    for (const name of Object.values(GAUGES)) {
      t.ok(declares(body, name), `${name} declared`);
      t.notOk(
        parseExposition(body).some((s) => s.name === name),
        `${name} has no sample`,
      );
    }
    metrics.setGaugeSource(() => {
      throw new Error('capacity is broken');
    });
    ({ body } = await metrics.render());
    t.equal(sampleValue(body, 'helpgate_offers_total', { kind: 'button', state: 'shown' }), 1);
    t.notOk(parseExposition(body).some((s) => s.name === 'helpgate_free_slots'));
  },
);

t.test('two instances in one process are independent', async (t) => {
  const first = createMetrics();
  const second = createMetrics();
  first.offer('button', 'shown');
  first.setGaugeSource(() => ({
    maxWaitSeconds: 1,
    expireAfterSeconds: 2,
    estimatedWaitSeconds: 3,
    agentsAvailable: 4,
    freeSlots: 5,
    queueLength: 6,
    liveSessions: 7,
  }));
  const a = (await first.render()).body;
  const b = (await second.render()).body;
  t.equal(sampleValue(a, 'helpgate_offers_total', { kind: 'button', state: 'shown' }), 1);
  t.equal(sampleValue(b, 'helpgate_offers_total', { kind: 'button', state: 'shown' }), undefined);
  t.equal(sampleValue(a, 'helpgate_live_sessions'), 7);
  t.equal(sampleValue(b, 'helpgate_live_sessions'), undefined);
  t.ok(declares(a, 'process_cpu_user_seconds_total'), 'process metrics in the first');
  t.ok(declares(b, 'process_cpu_user_seconds_total'), 'and in the second, without a clash');
  t.ok(declares(b, 'nodejs_eventloop_lag_seconds'));
});
