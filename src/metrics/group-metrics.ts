/**
 * A worker process's metrics when `workers` runs several (src/cli/run-primary.ts): the
 * recorders write the worker's own registry, and a scrape, whichever worker it reaches,
 * answers for the whole group, pooled by the primary with prom-client's `AggregatorRegistry`.
 */
import { Counter } from 'prom-client';
import {
  type CollectRequest,
  type CollectResponse,
  isMessage,
  type ScrapeRequest,
  type ScrapeResponse,
} from './_group-messages.js';
import type { Metrics, RegisteredMetrics } from './metrics.js';

/** The worker's end of the IPC channel to the primary (`process` in a cluster worker). */
export interface PrimaryChannel {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface GroupMetricsOptions {
  /** The worker's place in the group, 0 to workers − 1; a replacement takes the same. */
  slot: number;
  /** Default: `process`, the cluster worker's channel. */
  channel?: PrimaryChannel;
  /** How long a scrape waits for the group's figures before it fails. Default 5 s. */
  timeoutMs?: number;
}

export interface GroupMetrics extends Metrics {
  /** A request this worker answered: `helpgate_worker_requests_total{worker}`. */
  requestAnswered(): void;
}

/** `local` shared with the primary; `render()` answers with the figures of every worker. */
export function groupMetrics(local: RegisteredMetrics, options: GroupMetricsOptions): GroupMetrics {
  const channel = options.channel ?? (process as unknown as PrimaryChannel);
  const timeoutMs = options.timeoutMs ?? 5_000;
  // One series per slot (not per pid), so replacing a worker does not add series without end.
  const requests = new Counter({
    name: 'helpgate_worker_requests_total',
    help: 'Requests answered by each worker process, by its slot (0 to workers - 1)',
    labelNames: ['worker'] as const,
    registers: [local.registry],
  });
  const worker = String(options.slot);
  requests.inc({ worker }, 0);

  const waiting = new Map<number, (answer: ScrapeResponse) => void>();
  let nextId = 0;
  channel.on('message', (message) => {
    if (isMessage<CollectRequest>(message, 'helpgate:collect')) {
      local.registry.getMetricsAsJSON().then(
        (metrics) => channel.send({ type: 'helpgate:collected', id: message.id, metrics }),
        (error: unknown) =>
          channel.send({
            type: 'helpgate:collected',
            id: message.id,
            error: String(error),
          } satisfies CollectResponse),
      );
    } else if (isMessage<ScrapeResponse>(message, 'helpgate:scraped')) {
      waiting.get(message.id)?.(message);
    }
  });

  return {
    ...local,
    requestAnswered() {
      requests.inc({ worker });
    },
    render() {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the worker group's metrics did not come within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (answer.body === undefined) reject(new Error(answer.error ?? 'no metrics'));
          else resolve({ contentType: local.registry.contentType, body: answer.body });
        });
        channel.send({ type: 'helpgate:scrape', id } satisfies ScrapeRequest);
      });
    },
  };
}
