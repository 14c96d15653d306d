/**
 * The saved customer profiles (claim 2): a bounded in-memory map, saved in the state file's
 * `profiles` section on every change (debounced) and loaded at start, so profiles survive a
 * restart. Past the bounds the least recently written profile is forgotten first.
 */
import type { Logger } from '../logger.js';
import { checkProfile, isCustomerId, type Profile } from './profile.js';
import type { StateFile } from './state-file.js';

/** Profiles kept at most. */
export const MAX_PROFILES = 100_000;
/** Bytes of profile JSON kept at most, all profiles together. */
export const MAX_PROFILE_STORE_BYTES = 64 * 1024 * 1024;

const SECTION = 'profiles';

/**
 * Saved profiles by customer id. Asynchronous like the session store, so a shared store can
 * take its place; values handed out are copies, so callers cannot change a stored profile
 * without `put`.
 */
export interface ProfileStore {
  get(customerId: string): Promise<Profile | undefined>;
  /** Replaces the profile. Throws a TypeError when `checkProfile` refuses it. */
  put(customerId: string, profile: Profile): Promise<void>;
  /** Sets the given fields, keeping the others; creates the profile when missing. */
  merge(customerId: string, fields: Profile): Promise<Profile>;
  /** Whether a profile was deleted. */
  delete(customerId: string): Promise<boolean>;
  size(): number;
  /** Writes pending changes to the state file now. */
  flush(): Promise<void>;
}

export function createProfileStore(options: {
  state: StateFile;
  logger: Logger;
  maxProfiles?: number;
  maxBytes?: number;
}): ProfileStore {
  const { state, logger } = options;
  const maxProfiles = options.maxProfiles ?? MAX_PROFILES;
  const maxBytes = options.maxBytes ?? MAX_PROFILE_STORE_BYTES;
  // Insertion order is write order, so the first key is always the least recently written.
  const profiles = new Map<string, string>();
  let bytes = 0;

  function set(customerId: string, json: string): void {
    remove(customerId);
    profiles.set(customerId, json);
    bytes += json.length;
    for (const [oldest, oldJson] of profiles) {
      if (profiles.size <= maxProfiles && bytes <= maxBytes) break;
      profiles.delete(oldest);
      bytes -= oldJson.length;
    }
  }

  function remove(customerId: string): boolean {
    const json = profiles.get(customerId);
    if (json === undefined) return false;
    profiles.delete(customerId);
    bytes -= json.length;
    return true;
  }

  function validated(customerId: string, profile: Profile): string {
    if (!isCustomerId(customerId)) throw new TypeError('not a usable customer id');
    const problem = checkProfile(profile);
    if (problem !== undefined) throw new TypeError(problem);
    return JSON.stringify(profile);
  }

  const saved = state.read(SECTION);
  if (typeof saved === 'object' && saved !== null) {
    let skipped = 0;
    for (const [customerId, profile] of Object.entries(saved)) {
      try {
        set(customerId, validated(customerId, profile as Profile));
      } catch {
        skipped++;
      }
    }
    if (skipped > 0) logger.warn({ skipped }, 'state file: unusable profiles skipped');
  }
  state.register(SECTION, () => {
    const out: Record<string, unknown> = {};
    for (const [customerId, json] of profiles) out[customerId] = JSON.parse(json);
    return out;
  });

  return {
    async get(customerId) {
      const json = profiles.get(customerId);
      return json === undefined ? undefined : (JSON.parse(json) as Profile);
    },
    async put(customerId, profile) {
      set(customerId, validated(customerId, profile));
      state.changed();
    },
    async merge(customerId, fields) {
      const current = profiles.get(customerId);
      const merged: Profile = { ...(current ? (JSON.parse(current) as Profile) : {}), ...fields };
      set(customerId, validated(customerId, merged));
      state.changed();
      return merged;
    },
    async delete(customerId) {
      const deleted = remove(customerId);
      if (deleted) state.changed();
      return deleted;
    },
    size: () => profiles.size,
    flush: () => state.flush(),
  };
}
