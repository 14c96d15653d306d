/**
 * The keys a SIGHUP reload cannot apply (DESIGN.md, "Shutdown"): the listening socket, the
 * session store and the state file belong to the process. Everything else takes effect on
 * reload; these are named in a log line so a change never goes unnoticed.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config/schema.js';

/**
 * The restart-only keys whose value differs between `running` and `next`, as key paths
 * (`listen.port`). The TLS certificate and key are re-read on reload, so only switching TLS
 * on or off needs a restart. (`conversations` joins the list when it exists.)
 */
export function restartOnlyChanges(running: Config, next: Config): string[] {
  const changed: string[] = [];
  if (running.listen.host !== next.listen.host) changed.push('listen.host');
  if (running.listen.port !== next.listen.port) changed.push('listen.port');
  if ((running.listen.tls === null) !== (next.listen.tls === null)) changed.push('listen.tls');
  if (!isDeepStrictEqual(running.store, next.store)) changed.push('store');
  if (running.workers !== next.workers) changed.push('workers');
  // Profiles and learned figures stay with the file they were loaded from.
  if (running.state.file !== next.state.file) changed.push('state.file');
  return changed;
}
