/**
 * What a worker process learns from its primary (`workers` > 1), through its environment: its
 * slot, and the restart-only settings the group started with. A worker reads the config file
 * itself, so a replacement takes what a reload applied; the settings a reload cannot change
 * (listen, store, state file) stay those of the group, so a replacement never listens
 * elsewhere or uses another store than its siblings.
 */
import type { Config } from '../config/schema.js';

const VARIABLE = 'HELPGATE_WORKER';

/** The restart-only settings the group runs with. */
export type PinnedSettings = Pick<Config, 'listen' | 'store' | 'state' | 'workers'>;

export interface WorkerEnvironment {
  /** 0 to workers − 1; a replacement takes the slot of the worker it replaces. */
  slot: number;
  pinned: PinnedSettings;
}

/** The environment variables the primary gives the worker of `slot`. */
export function workerEnvironment(slot: number, config: Config): Record<string, string> {
  const { listen, store, state, workers } = config;
  const value: WorkerEnvironment = { slot, pinned: { listen, store, state, workers } };
  return { [VARIABLE]: JSON.stringify(value) };
}

/** What the primary gave this worker; throws when the variable is missing or malformed. */
export function readWorkerEnvironment(env: NodeJS.ProcessEnv = process.env): WorkerEnvironment {
  const text = env[VARIABLE];
  if (text === undefined) throw new Error(`${VARIABLE} is not set`);
  const value = JSON.parse(text) as WorkerEnvironment;
  if (!Number.isInteger(value.slot) || typeof value.pinned !== 'object') {
    throw new Error(`${VARIABLE} is malformed`);
  }
  return value;
}

/** `config` with the group's restart-only settings in place of the file's. */
export function withPinnedSettings(config: Config, pinned: PinnedSettings): Config {
  return { ...config, ...pinned };
}
