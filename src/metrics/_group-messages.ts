/**
 * The messages worker processes and their primary exchange over the cluster's IPC channel to
 * answer a scrape for the whole group (`group-metrics.ts`, `pool-group-metrics.ts`).
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** One registry's metrics as `Registry.getMetricsAsJSON()` gives them. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** A worker asks the primary for the group's metrics (it is answering a scrape). */
export interface ScrapeRequest {
  type: 'helpgate:scrape';
  id: number;
}

/** The primary's answer to a {@link ScrapeRequest}: the exposition text, or why there is none. */
export interface ScrapeResponse {
  type: 'helpgate:scraped';
  id: number;
  body?: string;
  error?: string;
}

/** The primary asks each worker for its own metrics. */
export interface CollectRequest {
  type: 'helpgate:collect';
  id: number;
}

/** A worker's own metrics, for the primary to pool. */
export interface CollectResponse {
  type: 'helpgate:collected';
  id: number;
  metrics?: MetricsJson;
  error?: string;
}

export function isMessage<T extends { type: string }>(
  message: unknown,
  type: T['type'],
): message is T {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === type &&
    typeof (message as { id?: unknown }).id === 'number'
  );
}
