/**
 * The config's trigger rules with their page globs compiled, once per config object: the
 * trigger engine runs on every heartbeat, so it must not compile globs per call. The globs
 * match the canonical path (`canonicalPath`): one reading, the one page views are counted
 * under, so `/checkout/./pay` and `/checkout%2Fpay` are the page `/checkout/pay` here too.
 */
import type { Config, TriggerConfig } from '../config/schema.js';
import { compileGlobs } from '../util/glob.js';

/** One trigger, ready to evaluate. */
export interface CompiledTrigger {
  readonly config: TriggerConfig;
  /** Whether the trigger applies on this canonical pathname (`pages: null` = every page). */
  readonly onPage: (pathname: string) => boolean;
}

export interface CompiledTriggers {
  /** Triggers decided on heartbeats. */
  readonly onHeartbeat: readonly CompiledTrigger[];
  /** `onRequest` triggers, decided on page requests (claims 23, 32). */
  readonly onRequest: readonly CompiledTrigger[];
  /** Whether a canonical pathname is a service point (claim 10). */
  readonly isServicePoint: (pathname: string) => boolean;
}

const compiled = new WeakMap<Config, CompiledTriggers>();

/** The compiled triggers of `config` (compiled on first use, then kept with the config). */
export function compileTriggers(config: Config): CompiledTriggers {
  let triggers = compiled.get(config);
  if (triggers === undefined) {
    const all = config.triggers.map(
      (trigger): CompiledTrigger => ({
        config: trigger,
        onPage: trigger.pages === null ? () => true : compileGlobs(trigger.pages, config.paths),
      }),
    );
    triggers = {
      onHeartbeat: all.filter((t) => t.config.when.onRequest !== true),
      onRequest: all.filter((t) => t.config.when.onRequest === true),
      isServicePoint: compileGlobs(config.servicePoints, config.paths),
    };
    compiled.set(config, triggers);
  }
  return triggers;
}
