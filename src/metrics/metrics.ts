/**
 * helpgate's Prometheus metrics (issue "Observability"). prom-client is used here and nowhere
 * else: the rest of the code calls the recorders of {@link Metrics}. Every instance has its own
 * registry, so two helpgates in one process (tests, a reload) never share or clash.
 */
import {
  type Aggregator,
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';

/** The figures the gauges show, read when Prometheus scrapes (not when they change). */
export type GaugeSource = () => {
  maxWaitSeconds: number;
  expireAfterSeconds: number;
  /** `null` when no agent serves: EWT is unknown, and the gauge then has no sample at all. */
  estimatedWaitSeconds: number | null;
  agentsAvailable: number;
  freeSlots: number;
  queueLength: number;
  liveSessions: number;
};

export type HeartbeatOutcome = 'ok' | 'rejected';

export interface Metrics {
  /** A proxied response, by status: `helpgate_requests_proxied_total{status}`. */
  requestProxied(status: number): void;
  /** Time spent rewriting one HTML page: `helpgate_rewrite_seconds` (histogram). */
  rewriteDuration(ms: number): void;
  /**
   * A page served unmodified because too many were being rewritten at once (overload):
   * `helpgate_rewrites_refused_total`.
   */
  rewriteRefused(): void;
  /**
   * Bytes decompressed from compressed upstream pages to rewrite them:
   * `helpgate_rewrite_inflated_bytes_total`. A decompression bomb shows here as at most
   * `rewrite.maxBytes` (twice that once the page's output has started) per page.
   */
  rewriteInflated(bytes: number): void;
  /** A heartbeat answered: `helpgate_heartbeats_total{outcome}`. */
  heartbeat(outcome: HeartbeatOutcome): void;
  /** A trigger fired: `helpgate_triggers_fired_total{trigger}`. */
  triggerFired(name: string): void;
  /**
   * An offer entered a state (pending, shown, accepted, dismissed, expired, withdrawn):
   * `helpgate_offers_total{kind,state}`.
   */
  offer(kind: string, state: string): void;
  /** A response time (offer sent → accepted): `helpgate_offer_response_seconds` (histogram). */
  responseTime(ms: number): void;
  /**
   * A queued visitor's promised wait judged (`src/conversations/promise.ts`):
   * `helpgate_promises_kept_total` or `helpgate_promises_broken_total`.
   */
  promise(verdict: 'kept' | 'broken'): void;
  /**
   * Where the gauges read their values at scrape time: `helpgate_max_wait_seconds`,
   * `helpgate_expire_after_seconds`, `helpgate_estimated_wait_seconds`,
   * `helpgate_agents_available`, `helpgate_free_slots`, `helpgate_queue_length`,
   * `helpgate_live_sessions`. Until a source is set, or when it throws, and for an unknown
   * (`null`) EWT, a gauge is exposed with no sample, so a dashboard shows a gap rather than a
   * made-up 0.
   */
  setGaugeSource(source: GaugeSource): void;
  /** The Prometheus text exposition and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** {@link Metrics} with the registry behind them, which worker processes pool (`group-metrics.ts`). */
export interface RegisteredMetrics extends Metrics {
  readonly registry: Registry;
}

export interface MetricsOptions {
  /**
   * Also expose the standard process and Node.js metrics (`process_*`, `nodejs_*`, under their
   * usual names so stock dashboards work). Default true.
   */
  defaultMetrics?: boolean;
}

type GaugeValues = ReturnType<GaugeSource>;

/** Labels take only known shapes, so a bug upstream cannot blow up the series count. */
const MAX_LABEL_LENGTH = 64;

export function createMetrics(options: MetricsOptions = {}): RegisteredMetrics {
  const register = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register });
  const registers = [register];

  const proxied = new Counter({
    name: 'helpgate_requests_proxied_total',
    help: 'Responses forwarded from the site, by HTTP status',
    labelNames: ['status'] as const,
    registers,
  });
  const rewrite = new Histogram({
    name: 'helpgate_rewrite_seconds',
    help: 'Time spent rewriting one HTML page',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const heartbeats = new Counter({
    name: 'helpgate_heartbeats_total',
    help: 'Heartbeats from the beacon, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const triggers = new Counter({
    name: 'helpgate_triggers_fired_total',
    help: 'Triggers that fired, by trigger name',
    labelNames: ['trigger'] as const,
    registers,
  });
  const offers = new Counter({
    name: 'helpgate_offers_total',
    help: 'Offer state transitions, by kind and the state entered',
    labelNames: ['kind', 'state'] as const,
    registers,
  });
  const responses = new Histogram({
    name: 'helpgate_offer_response_seconds',
    help: 'Time from sending an offer to the visitor accepting it',
    buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
    registers,
  });

  const promisesKept = new Counter({
    name: 'helpgate_promises_kept_total',
    help: 'Queued visitors served within the wait promised in their accept reply',
    registers,
  });
  const promisesBroken = new Counter({
    name: 'helpgate_promises_broken_total',
    help: 'Queued visitors who waited longer than promised in their accept reply',
    registers,
  });
  const refused = new Counter({
    name: 'helpgate_rewrites_refused_total',
    help: 'HTML pages served unmodified because too many were being rewritten at once',
    registers,
  });

  const inflated = new Counter({
    name: 'helpgate_rewrite_inflated_bytes_total',
    help: 'Bytes decompressed from compressed upstream pages to rewrite them',
    registers,
  });

  let source: GaugeSource | null = null;
  let scraped: GaugeValues | null | undefined;
  /** The source's values, read once per scrape however many gauges ask. */
  function current(): GaugeValues | null {
    if (scraped !== undefined) return scraped;
    try {
      scraped = source === null ? null : source();
    } catch {
      // A failing source must not fail the whole scrape: its gauges just have no sample.
      scraped = null;
    }
    queueMicrotask(() => {
      scraped = undefined;
    });
    return scraped;
  }

  // The source reads state every worker process shares (capacity, the queue, learned figures
  // and the live sessions in the Redis store): pooled across workers, the figures must not add
  // up, so the group shows the highest (they agree but for a moment's drift).
  const gauge = (name: string, help: string, pick: (values: GaugeValues) => number | null) =>
    new OptionalGauge({
      name,
      help,
      registers,
      aggregator: 'max',
      read: () => pickFrom(current(), pick),
    });
  gauge(
    'helpgate_max_wait_seconds',
    'The gate threshold in force (learned or configured)',
    (v) => v.maxWaitSeconds,
  );
  gauge(
    'helpgate_expire_after_seconds',
    'How long a shown offer stays open',
    (v) => v.expireAfterSeconds,
  );
  gauge(
    'helpgate_estimated_wait_seconds',
    'Estimated wait for a newcomer; absent while no agent serves',
    (v) => v.estimatedWaitSeconds,
  );
  gauge('helpgate_agents_available', 'Agents whose status is available', (v) => v.agentsAvailable);
  gauge(
    'helpgate_free_slots',
    'Chat slots free now, net of reservations and the queue',
    (v) => v.freeSlots,
  );
  gauge('helpgate_queue_length', 'Accepted visitors waiting for an agent', (v) => v.queueLength);
  gauge('helpgate_live_sessions', 'Visitor sessions held', (v) => v.liveSessions);

  return {
    registry: register,
    requestProxied(status) {
      proxied.inc({
        status:
          Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other',
      });
    },
    rewriteDuration(ms) {
      if (Number.isFinite(ms) && ms >= 0) rewrite.observe(ms / 1000);
    },
    rewriteRefused() {
      refused.inc();
    },
    rewriteInflated(bytes) {
      if (Number.isFinite(bytes) && bytes > 0) inflated.inc(bytes);
    },
    heartbeat(outcome) {
      heartbeats.inc({ outcome });
    },
    triggerFired(name) {
      triggers.inc({ trigger: label(name) });
    },
    offer(kind, state) {
      offers.inc({ kind: label(kind), state: label(state) });
    },
    responseTime(ms) {
      if (Number.isFinite(ms) && ms >= 0) responses.observe(ms / 1000);
    },
    promise(verdict) {
      (verdict === 'kept' ? promisesKept : promisesBroken).inc();
    },
    setGaugeSource(next) {
      source = next;
    },
    async render() {
      return { contentType: register.contentType, body: await register.metrics() };
    },
  };
}

function pickFrom(
  values: GaugeValues | null,
  pick: (values: GaugeValues) => number | null,
): number | null {
  if (values === null) return null;
  const value = pick(values);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function label(value: string): string {
  return value.length > MAX_LABEL_LENGTH ? value.slice(0, MAX_LABEL_LENGTH) : value;
}

/**
 * A gauge read at scrape time that can have no sample: prom-client's unlabelled gauge always
 * shows a value (0 when unset), which would report "EWT 0 s" exactly when nobody can answer.
 */
class OptionalGauge extends Gauge {
  readonly #read: () => number | null;

  constructor(options: {
    name: string;
    help: string;
    registers: Registry[];
    aggregator: Aggregator;
    read: () => number | null;
  }) {
    const { read, ...configuration } = options;
    super(configuration);
    this.#read = read;
  }

  override async get() {
    const value = this.#read();
    this.set(value ?? 0);
    const metric = await super.get();
    return value === null ? { ...metric, values: [] } : metric;
  }
}
