/**
 * How many worker processes `helpgate start` runs for a config (`workers`, DESIGN.md).
 */
import { availableParallelism } from 'node:os';
import type { Config } from '../config/schema.js';
import { MAX_WORKERS } from '../config/schema.js';

/**
 * `workers` as a number: `auto` is one per CPU with the Redis store, and one process with the
 * memory store (whose state no second process could see; `check` warns about it). 1 means no
 * primary process at all.
 */
export function workerCount(config: Config, cpus: number = availableParallelism()): number {
  if (config.workers !== 'auto') return config.workers;
  if (config.store.kind !== 'redis') return 1;
  return Math.min(MAX_WORKERS, Math.max(1, cpus));
}
