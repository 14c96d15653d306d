/**
 * Likely mistakes in a valid config: helpgate runs with them, but probably not as the
 * operator meant. `helpgate check` prints them and still exits 0.
 */
import { BlockList, isIP } from 'node:net';
import type { Config } from './schema.js';

/** Selectors that would strip most of a page, not just the site's own help. */
const BROAD_SELECTORS = new Set(['*', 'div', 'body', 'html', 'head', 'main', 'span']);

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True when a `listen.host` only accepts connections from this machine. */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

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
  // Without publicUrl the origin comes from the Host header, which any client can forge.
  if (config.publicUrl === null && !isLoopback(config.listen.host)) {
    warnings.push(
      `publicUrl is not set while listen.host "${config.listen.host}" accepts other machines: the visitor's origin comes from the Host header a client chooses, so a forged Host re-aims the site's redirects; set publicUrl to the origin visitors use, e.g. https://shop.example`,
    );
  }
  if (config.workers === 'auto' && config.store.kind !== 'redis') {
    warnings.push(
      'workers is "auto" but store.kind is "memory": helpgate runs one process; one worker per CPU needs the redis store',
    );
  }
  for (const selector of config.strip) {
    if (BROAD_SELECTORS.has(selector.trim().toLowerCase())) {
      warnings.push(
        `strip selector "${selector}" is very broad: it removes far more than the site's help`,
      );
    }
  }
  const { audio, video } = config.offers.content;
  for (const [key, path] of Object.entries({
    'audio.src': audio.src,
    'video.src': video.src,
    'video.captions': video.captions,
    'video.poster': video.poster,
  })) {
    if (path?.startsWith('/__helpgate/') && config.prefix !== '/__helpgate/') {
      warnings.push(
        `offers.content.${key} is under /__helpgate/ but prefix is "${config.prefix}": the visitor's browser will not find ${path}`,
      );
    }
  }
  if (config.admin.token === null) {
    warnings.push('admin.token is not set: every admin API will answer 401');
  }
  if (config.store.kind === 'memory' && config.state.file === null) {
    warnings.push(
      'state.file is null with the memory store: saved profiles and learned figures are lost on restart',
    );
  }
  return warnings;
}
