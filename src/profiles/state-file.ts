/**
 * The state file (`state.file`): what the memory store keeps across restarts (profiles now,
 * learned figures later), one JSON object with a section per part. Each part registers a
 * snapshot function and says when it changed; saves are debounced, never overlap, and are
 * atomic (a temporary file renamed over the old one), so a crash mid-write never leaves half
 * a file. With no file configured nothing is read or written.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';

/** How long a change waits for more changes before the file is written. */
export const SAVE_DEBOUNCE_MS = 1_000;

export interface StateFile {
  /** The section as loaded at start (`undefined` when absent). */
  read(section: string): unknown;
  /** Registers the function that gives a section's current JSON value at save time. */
  register(section: string, snapshot: () => unknown): void;
  /** Schedules a save (debounced). */
  changed(): void;
  /** Saves now if anything changed; resolves when the file is written. */
  flush(): Promise<void>;
}

export function createStateFile(
  file: string | null,
  options: { logger: Logger; debounceMs?: number },
): StateFile {
  const { logger } = options;
  const loaded = file === null ? {} : loadStateFile(file, logger);
  const path = file ?? '';
  return createSectionedState({
    loaded,
    debounceMs: options.debounceMs ?? SAVE_DEBOUNCE_MS,
    enabled: file !== null,
    async write(sections) {
      // Sections nobody registered (written by a newer version, say) are kept as they were.
      await writeAtomically(path, JSON.stringify({ ...loaded, ...sections }));
    },
    failed(error) {
      const err = new HelpgateError('HG_ERR_STATE_SAVE', { file: path, reason: String(error) });
      logger.error({ err }, err.message);
    },
  });
}

/**
 * The part both state stores share (the file here, Redis in the store): sections read at
 * start, snapshots registered by the parts, and saves debounced after a change, one at a time.
 * A failed write keeps the change for the next change or flush, so nothing is dropped.
 */
export function createSectionedState(options: {
  loaded: Record<string, unknown>;
  debounceMs: number;
  /** False: nothing is ever written (no file configured). */
  enabled?: boolean;
  /** Writes the registered sections' current values; throws to keep them dirty. */
  write(sections: Record<string, unknown>): Promise<void>;
  /** Told when a write failed. */
  failed(error: unknown): void;
}): StateFile {
  const { loaded, debounceMs, enabled = true } = options;
  const snapshots = new Map<string, () => unknown>();
  let dirty = false;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  async function save(): Promise<void> {
    if (!enabled || !dirty || snapshots.size === 0) return;
    dirty = false;
    const sections: Record<string, unknown> = {};
    for (const [name, snapshot] of snapshots) sections[name] = snapshot();
    try {
      await options.write(sections);
    } catch (error) {
      dirty = true;
      options.failed(error);
    }
  }

  function flush(): Promise<void> {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    writing = writing.then(save);
    return writing;
  }

  return {
    read: (section) => (Object.hasOwn(loaded, section) ? loaded[section] : undefined),
    register(section, snapshot) {
      snapshots.set(section, snapshot);
    },
    changed() {
      if (!enabled) return;
      dirty = true;
      if (timer !== null) return;
      timer = setTimeout(() => void flush(), debounceMs);
      timer.unref();
    },
    flush,
  };
}

/**
 * Reads the state file. A missing file is an empty state; a corrupt one is moved aside (to
 * `<file>.corrupt`, so nothing is lost) and the start goes on empty: fail open.
 */
function loadStateFile(file: string, logger: Logger): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    const err = new HelpgateError('HG_ERR_STATE_LOAD', { file, reason: String(error) });
    logger.error({ err }, err.message);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    const aside = `${file}.corrupt`;
    const err = new HelpgateError('HG_ERR_STATE_LOAD', { file, reason: String(error) });
    logger.error({ err, movedTo: aside }, err.message);
    try {
      renameSync(file, aside);
    } catch {
      // Left in place: the next save replaces it.
    }
    return {};
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${text}\n`, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}
