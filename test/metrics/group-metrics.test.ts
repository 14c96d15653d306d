// Metrics of a group of worker processes: whichever worker a scrape reaches, it answers for
// all of them. The IPC channel is stood in for by a JSON round trip, as node:cluster sends it.
import { EventEmitter } from 'node:events';
import t from 'tap';
import { type GroupMetrics, groupMetrics } from '../../src/metrics/group-metrics.js';
import { createMetrics, type GaugeSource } from '../../src/metrics/metrics.js';
import { type GroupMember, poolGroupMetrics } from '../../src/metrics/pool-group-metrics.js';
import { sampleValue } from './_exposition.js';

interface Worker {
  metrics: GroupMetrics;
  member: GroupMember & { alive: boolean; answers: boolean };
}

/** `count` workers and their primary; a worker with `answers` false never sends its figures. */
function startGroup(count: number, timeoutMs?: number) {
  const workers: Worker[] = [];
  const pool = poolGroupMetrics(
    () => workers.filter((w) => w.member.alive).map((w) => w.member),
    timeoutMs === undefined ? {} : { timeoutMs },
  );
  const wire = (message: unknown) => JSON.parse(JSON.stringify(message)) as unknown;
  for (let slot = 0; slot < count; slot++) {
    const inbox = new EventEmitter();
    const member = {
      id: slot + 1,
      alive: true,
      answers: true,
      send(message: unknown) {
        setImmediate(() => inbox.emit('message', wire(message)));
      },
    };
    const channel = {
      send(message: unknown) {
        const collected = (message as { type: string }).type === 'helpgate:collected';
        if (collected && !member.answers) return;
        setImmediate(() => pool.onMessage(member, wire(message)));
      },
      on(_event: 'message', listener: (message: unknown) => void) {
        inbox.on('message', listener);
      },
    };
    const local = createMetrics({ defaultMetrics: false });
    workers.push({ metrics: groupMetrics(local, { slot, channel }), member });
  }
  return {
    workers,
    /** Takes a worker out the way the primary learns of an exit. */
    exit(worker: Worker) {
      worker.member.alive = false;
      pool.onExit(worker.member);
    },
  };
}

const source =
  (queueLength: number): GaugeSource =>
  () => ({
    maxWaitSeconds: 120,
    expireAfterSeconds: 30,
    estimatedWaitSeconds: 40,
    agentsAvailable: 3,
    freeSlots: 2,
    queueLength,
    liveSessions: 1000,
  });

t.test('a scrape at any worker counts what every worker counted', async (t) => {
  const [a, b] = startGroup(2).workers;
  a!.metrics.heartbeat('ok');
  a!.metrics.heartbeat('ok');
  b!.metrics.heartbeat('ok');
  b!.metrics.heartbeat('rejected');
  b!.metrics.rewriteDuration(3);
  for (const worker of [a!, b!]) {
    const { body } = await worker.metrics.render();
    t.equal(sampleValue(body, 'helpgate_heartbeats_total', { outcome: 'ok' }), 3);
    t.equal(sampleValue(body, 'helpgate_heartbeats_total', { outcome: 'rejected' }), 1);
    t.equal(sampleValue(body, 'helpgate_rewrite_seconds_count'), 1);
  }
});

t.test('gauges of shared state show the shared figure, not one per worker added up', async (t) => {
  const [a, b] = startGroup(2).workers;
  a!.metrics.setGaugeSource(source(4));
  b!.metrics.setGaugeSource(source(4));
  const { body } = await a!.metrics.render();
  t.equal(sampleValue(body, 'helpgate_queue_length'), 4);
  t.equal(sampleValue(body, 'helpgate_agents_available'), 3);
  t.equal(sampleValue(body, 'helpgate_free_slots'), 2);
  t.equal(sampleValue(body, 'helpgate_estimated_wait_seconds'), 40);
  t.equal(sampleValue(body, 'helpgate_max_wait_seconds'), 120);
  t.equal(sampleValue(body, 'helpgate_live_sessions'), 1000);
});

t.test('each worker shows its own requests under its slot', async (t) => {
  const [a, b] = startGroup(2).workers;
  a!.metrics.requestAnswered();
  b!.metrics.requestAnswered();
  b!.metrics.requestAnswered();
  const { body } = await b!.metrics.render();
  t.equal(sampleValue(body, 'helpgate_worker_requests_total', { worker: '0' }), 1);
  t.equal(sampleValue(body, 'helpgate_worker_requests_total', { worker: '1' }), 2);
});

// A hung worker: pooling without its figures would show the group's counters going back.
t.test(
  'hung worker: a worker that never sends its figures fails the scrape, it does not shrink it',
  async (t) => {
    const [a, b] = startGroup(2, 100).workers;
    b!.member.answers = false;
    a!.metrics.heartbeat('ok');
    await t.rejects(a!.metrics.render(), /no figures from worker 2 within 100 ms/);
  },
);

t.test('a worker that exits during a scrape is left out; the others answer', async (t) => {
  const group = startGroup(2, 5_000);
  const [a, b] = group.workers;
  b!.member.answers = false;
  a!.metrics.heartbeat('ok');
  const scrape = a!.metrics.render();
  setTimeout(() => group.exit(b!), 20);
  const { body } = await scrape;
  t.equal(sampleValue(body, 'helpgate_heartbeats_total', { outcome: 'ok' }), 1);
});
