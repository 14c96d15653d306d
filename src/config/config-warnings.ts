/**
 * Likely mistakes in a valid config: helpgate runs with them, but probably not as the
 * operator meant. `helpgate check` prints them and still exits 0.
 */
import type { Config } from './schema.js';

/** Selectors that would strip most of a page, not just the site's own help. */
const BROAD_SELECTORS = new Set(['*', 'div', 'body', 'html', 'head', 'main', 'span']);

/** One sentence per likely mistake; empty when there is none. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.gate.mode !== 'always' && config.agents.list.length === 0) {
    warnings.push(
      `gate.mode is "${config.gate.mode}" but agents.list is empty: no agent can become available, so no offer will be shown`,
    );
  }
  if (config.offers.enabled && config.triggers.length === 0) {
    warnings.push('offers.enabled is true but triggers is empty: no offer will ever be made');
  }
  if (!config.offers.enabled) {
    warnings.push(
      'offers.enabled is false: offers are decided and counted but never shown (dry run)',
    );
  }
  for (const selector of config.strip) {
    if (BROAD_SELECTORS.has(selector.trim().toLowerCase())) {
      warnings.push(
        `strip selector "${selector}" is very broad: it removes far more than the site's help`,
      );
    }
  }
  if (config.admin.token === null) {
    warnings.push('admin.token is not set: every admin API will answer 401');
  }
  if (config.store.kind === 'redis') {
    warnings.push(
      'store.kind "redis" is not available in this version: helpgate start will refuse this config',
    );
  }
  if (config.store.kind === 'memory' && config.state.file === null) {
    warnings.push(
      'state.file is null with the memory store: saved profiles and learned figures are lost on restart',
    );
  }
  return warnings;
}
