// Starting the Node processes under test: the upstream, helpgate and the lol-html reference.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from './children.mjs';
import { STRIP } from './fixtures.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Starts one of the bench's own scripts, which prints its URL once it listens. */
export function startNodeScript(name, script, args = []) {
  return startChild(name, process.execPath, [join(root, script), ...args], {
    ready: 'listening-line',
    watchParent: true,
  });
}

/**
 * Starts `helpgate start` in front of `upstreamUrl` with the bench's five strip selectors; with
 * `passthrough`, every path is excluded so nothing is rewritten. `extra` lines are added to the
 * config (e.g. `workers: 2`).
 */
export function startHelpgate(name, upstreamUrl, { passthrough = false, extra = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-bench-'));
  const config = join(dir, 'helpgate.yaml');
  writeFileSync(
    config,
    [
      `upstream: ${upstreamUrl}`,
      'secret: bench-secret-0123456789abcdef',
      'listen: { host: 127.0.0.1, port: 0 }',
      `strip: ${JSON.stringify(STRIP)}`,
      ...(passthrough ? ["exclude: ['/**']"] : []),
      'state: { file: null }',
      'log: { level: warn }',
      ...extra,
      '',
    ].join('\n'),
  );
  return startChild(
    name,
    process.execPath,
    [join(root, 'bin/helpgate'), 'start', '--config', config],
    {
      ready: 'listening-line',
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    },
  );
}

let uniqueCounter = 0;

/** A different page on every request: a new path, and the upstream makes every body distinct. */
export const uniquePath = () => `/unique/${++uniqueCounter}`;
