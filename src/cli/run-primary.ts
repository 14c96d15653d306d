/**
 * The primary process of `helpgate start` with `workers` > 1: forks the workers (node:cluster;
 * they share the listening socket), logs the one `"msg":"listening"` line once every worker
 * listens, passes SIGHUP, SIGTERM and SIGINT on to every worker, replaces a worker that exits
 * unexpectedly ({@link respawnDelay}) and pools the workers' metrics for a scrape.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/schema.js';
import { createLogger, type Logger } from '../logger.js';
import { poolGroupMetrics } from '../metrics/pool-group-metrics.js';
import { quickExitsAfter, respawnDelay } from './respawn-delay.js';
import { workerEnvironment } from './worker-environment.js';

/** What a worker sends its primary once it accepts connections. */
export interface ListeningMessage {
  type: 'helpgate:listening';
  url: string;
}

export interface PrimaryOptions {
  /** The config as loaded at start; workers read the file themselves. */
  config: Config;
  /** How many workers (more than 1). */
  count: number;
  logger: Logger;
  /** Where a failed start is explained (stderr). */
  err: (text: string) => void;
}

/** How much longer than `timeouts.shutdownGrace` a worker may take to stop before it is killed. */
const STOP_MARGIN_MS = 5_000;

interface Slot {
  worker: Worker | null;
  listening: boolean;
  /** A SIGHUP came while the worker was starting: it is passed on once the worker listens. */
  reloadWhenListening: boolean;
  startedAt: number;
  quickExits: number;
  respawn: NodeJS.Timeout | undefined;
}

/**
 * Runs the group. Resolves with undefined once every worker listens (the process then runs
 * until a signal stops it and exits by itself), or with exit code 1 when a worker exits
 * before the group listened (its own message says why); the other workers are stopped first.
 */
export function runPrimary(options: PrimaryOptions): Promise<number | undefined> {
  const { config, count, logger } = options;
  const slots: Slot[] = Array.from({ length: count }, () => ({
    worker: null,
    listening: false,
    reloadWhenListening: false,
    startedAt: 0,
    quickExits: 0,
    respawn: undefined,
  }));
  const serving = () =>
    slots.flatMap((slot) => (slot.worker !== null && slot.listening ? [slot.worker] : []));
  const pool = poolGroupMetrics(serving);
  let started = false;
  let stopping = false;
  const stopResults = { failed: false, done: () => {} };
  let settle: (code: number | undefined) => void = () => {};
  const outcome = new Promise<number | undefined>((resolve) => {
    settle = resolve;
  });

  function fork(index: number): void {
    const slot = slots[index] as Slot;
    slot.respawn = undefined;
    const worker = cluster.fork(workerEnvironment(index, config));
    Object.assign(slot, {
      worker,
      listening: false,
      reloadWhenListening: false,
      startedAt: Date.now(),
    });
    worker.on('exit', (code, signal) => exited(index, worker, code, signal));
    // A failed IPC send or a fork that could not spawn; an exit (and a replacement) follows.
    worker.on('error', (error: Error) =>
      logger.error({ worker: index, err: error }, 'worker error'),
    );
  }

  function onListening(worker: Worker, message: ListeningMessage): void {
    const index = slots.findIndex((slot) => slot.worker === worker);
    const slot = slots[index];
    if (slot === undefined) return;
    slot.listening = true;
    logger.info({ worker: index, pid: worker.process.pid }, 'worker listening');
    // Until it listens a worker has no SIGHUP handler, and the signal would end it.
    if (slot.reloadWhenListening) worker.process.kill('SIGHUP');
    if (started || slots.some((s) => !s.listening)) return;
    started = true;
    // The contract's line, once for the group, at every log level.
    createLogger('info').info(
      { url: message.url, upstream: config.upstream.origin, workers: count },
      'listening',
    );
    settle(undefined);
  }

  function exited(index: number, worker: Worker, code: number | null, signal: string | null) {
    const slot = slots[index] as Slot;
    if (slot.worker !== worker) return;
    const wasListening = slot.listening;
    slot.worker = null;
    slot.listening = false;
    pool.onExit(worker);
    const pid = worker.process.pid;
    if (stopping) {
      // A worker still starting has no handler yet: the signal ends it, with nothing in flight.
      const endedStarting = !wasListening && signal !== null;
      if (code !== 0 && !endedStarting) stopResults.failed = true;
      if (slots.every((s) => s.worker === null)) stopResults.done();
      return;
    }
    if (!started) {
      options.err(
        `helpgate: cannot start: worker ${index} exited (${signal ?? `code ${code}`}) before listening\n`,
      );
      stop(null).then(() => settle(1));
      return;
    }
    const ranMs = Date.now() - slot.startedAt;
    slot.quickExits = quickExitsAfter(slot.quickExits, ranMs);
    const inMs = respawnDelay(slot.quickExits);
    logger.error({ worker: index, pid, code, signal, ranMs, inMs }, 'worker exited; replacing it');
    slot.respawn = setTimeout(() => fork(index), inMs);
  }

  /** Passes the signal to every worker and resolves once all have exited. */
  function stop(signal: NodeJS.Signals | null): Promise<void> {
    stopping = true;
    for (const slot of slots) clearTimeout(slot.respawn);
    const live = slots.flatMap((slot) => (slot.worker === null ? [] : [slot.worker]));
    if (live.length === 0) return Promise.resolve();
    const allExited = new Promise<void>((resolve) => {
      stopResults.done = resolve;
    });
    for (const worker of live) worker.process.kill(signal ?? 'SIGTERM');
    // A worker stuck past its grace is killed, so the group always ends.
    const deadline = setTimeout(() => {
      for (const slot of slots) {
        if (slot.worker === null) continue;
        logger.error({ pid: slot.worker.process.pid }, 'worker did not stop in time; killed');
        stopResults.failed = true;
        slot.worker.process.kill('SIGKILL');
      }
    }, config.timeouts.shutdownGrace + STOP_MARGIN_MS);
    return allExited.finally(() => clearTimeout(deadline));
  }

  cluster.on('message', (worker, message: unknown) => {
    if (isListening(message)) onListening(worker, message);
    else pool.onMessage(worker, message);
  });
  const shutDown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    logger.info({ signal, workers: count }, 'shutting down');
    stop(signal).then(() => {
      if (stopResults.failed) {
        logger.error({}, 'shutdown failed');
        process.exit(1);
      }
      logger.info({}, 'stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', shutDown);
  process.once('SIGINT', shutDown);
  process.on('SIGHUP', () => {
    if (stopping) return;
    for (const slot of slots) {
      if (slot.listening) slot.worker?.process.kill('SIGHUP');
      else slot.reloadWhenListening = true;
    }
  });

  for (let index = 0; index < count; index++) fork(index);
  return outcome;
}

function isListening(message: unknown): message is ListeningMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'helpgate:listening' &&
    typeof (message as { url?: unknown }).url === 'string'
  );
}
