/**
 * The primary's side of the group's metrics (`group-metrics.ts`): when a worker answers a
 * scrape, the primary collects every worker's registry over IPC and pools them with
 * prom-client's `AggregatorRegistry.aggregate` (counters and per-process figures add up;
 * gauges of shared state carry `aggregator: 'max'` and do not).
 */
import { AggregatorRegistry } from 'prom-client';
import {
  type CollectRequest,
  type CollectResponse,
  isMessage,
  type MetricsJson,
  type ScrapeRequest,
  type ScrapeResponse,
} from './_group-messages.js';

/** A worker as the primary sees it (node:cluster's `Worker` is one). */
export interface GroupMember {
  readonly id: number;
  send(message: unknown): unknown;
}

export interface GroupMetricsPool {
  /** Every message a worker sends (the caller wires cluster's `message` event here). */
  onMessage(from: GroupMember, message: unknown): void;
  /** A worker that left: a collection waiting for it goes on without it. */
  onExit(member: GroupMember): void;
}

export interface PoolOptions {
  /** How long a collection waits for a worker's figures. Default 3 s. */
  timeoutMs?: number;
}

interface Collection {
  readonly waitingFor: Set<number>;
  readonly collected: MetricsJson[];
  readonly timer: NodeJS.Timeout;
  finish(result: { body: string } | { error: string }): void;
}

/** Pools the figures of `members()` (the workers serving now) for each scrape a worker asks. */
export function poolGroupMetrics(
  members: () => Iterable<GroupMember>,
  options: PoolOptions = {},
): GroupMetricsPool {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const collections = new Map<number, Collection>();
  let nextId = 0;

  function settle(id: number): void {
    const collection = collections.get(id);
    if (collection === undefined || collection.waitingFor.size > 0) return;
    collections.delete(id);
    clearTimeout(collection.timer);
    try {
      const body = AggregatorRegistry.aggregate(collection.collected).metrics();
      Promise.resolve(body).then(
        (text) => collection.finish({ body: text }),
        (error: unknown) => collection.finish({ error: String(error) }),
      );
    } catch (error) {
      collection.finish({ error: String(error) });
    }
  }

  function collect(requester: GroupMember, request: ScrapeRequest): void {
    const id = nextId++;
    const targets = [...members()];
    const answer = (result: { body: string } | { error: string }) =>
      requester.send({
        type: 'helpgate:scraped',
        id: request.id,
        ...result,
      } satisfies ScrapeResponse);
    const collection: Collection = {
      waitingFor: new Set(targets.map((member) => member.id)),
      collected: [],
      // A gap in the series is truer than a sum short of one worker, which would read as
      // counters going back (a reset) and then jumping forward at the next scrape.
      timer: setTimeout(() => {
        collections.delete(id);
        const missing = [...collection.waitingFor].join(', ');
        answer({ error: `no figures from worker ${missing} within ${timeoutMs} ms` });
      }, timeoutMs),
      finish: answer,
    };
    collections.set(id, collection);
    for (const member of targets)
      member.send({ type: 'helpgate:collect', id } satisfies CollectRequest);
    settle(id);
  }

  return {
    onMessage(from, message) {
      if (isMessage<ScrapeRequest>(message, 'helpgate:scrape')) {
        collect(from, message);
      } else if (isMessage<CollectResponse>(message, 'helpgate:collected')) {
        const collection = collections.get(message.id);
        if (collection === undefined || !collection.waitingFor.delete(from.id)) return;
        if (message.metrics === undefined) {
          collections.delete(message.id);
          clearTimeout(collection.timer);
          collection.finish({ error: message.error ?? `no figures from worker ${from.id}` });
          return;
        }
        collection.collected.push(message.metrics);
        settle(message.id);
      }
    },
    onExit(member) {
      for (const [id, collection] of collections) {
        if (collection.waitingFor.delete(member.id)) settle(id);
      }
    },
  };
}
