/**
 * The browser bundles helpgate serves, versioned by their content hash: the beacon at
 * `{prefix}beacon.js` (every page) and the chat panel at `{prefix}chat.js` (loaded by the
 * beacon once a conversation exists; the beacon carries chat.js's hash, baked in at build
 * time). Read from the build output (`dist/client/`); when that is missing, or older than the
 * browser sources, they are bundled in memory with esbuild (a dev dependency, so only where
 * the source is).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type * as Esbuild from 'esbuild';
import { HelpgateError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';

/** One bundled script as served. */
export interface ScriptAsset {
  body: Buffer;
  /** `body` gzipped, for clients that accept it. */
  gzip: Buffer;
  /** First 12 hex characters of the SHA-256 of `body`: the `v` of the script URL. */
  hash: string;
  /** A strong ETag derived from the hash. */
  etag: string;
}

export type BeaconAsset = ScriptAsset;

/** The esbuild entry of each bundle, under `src/client/` (scripts/build.mjs has the same). */
const ENTRIES = {
  beacon: 'beacon.ts',
  chat: join('chat', 'chat.ts'),
  console: join('console', 'main.tsx'),
  supervisor: join('supervisor', 'main.tsx'),
} as const;
type Bundle = keyof typeof ENTRIES;

/** The global the beacon reads chat.js's hash from (an esbuild `define`). */
export const CHAT_VERSION_DEFINE = '__HELPGATE_CHAT_VERSION__';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (/\.(ts|tsx|css)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** What the supervisor's bundle needs beyond the beacon's: TSX (Preact) and uPlot's CSS as text. */
const BROWSER_OPTIONS = {
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.css': 'text' },
} as const;

/** Bundles one entry with the options scripts/build.mjs uses. */
function bundle(root: string, name: Bundle, define: Record<string, string> = {}): Buffer {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as typeof Esbuild;
  const result = esbuild.buildSync({
    entryPoints: [join(root, 'src', 'client', ENTRIES[name])],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    legalComments: 'none',
    logLevel: 'silent',
    ...BROWSER_OPTIONS,
    define,
    write: false,
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output');
  return Buffer.from(file.contents);
}

function asset(body: Buffer): ScriptAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { body, gzip: gzipSync(body, { level: 9 }), hash, etag: `"${hash}"` };
}

/** The built file when it is there and not older than the sources; `undefined` otherwise. */
function builtFile(root: string, name: Bundle): Buffer | undefined {
  const built = join(root, 'dist', 'client', `${name}.js`);
  const sourceDir = join(root, 'src', 'client');
  const hasSource = existsSync(join(sourceDir, ENTRIES[name]));
  const fresh =
    existsSync(built) && (!hasSource || statSync(built).mtimeMs >= newestMtime(sourceDir));
  return fresh ? readFileSync(built) : undefined;
}

function load(root: string, name: Bundle): ScriptAsset {
  try {
    const built = builtFile(root, name);
    if (built !== undefined) return asset(built);
    const define =
      name === 'beacon'
        ? { [CHAT_VERSION_DEFINE]: JSON.stringify(load(root, 'chat').hash) }
        : undefined;
    return asset(bundle(root, name, define));
  } catch (error) {
    if (error instanceof HelpgateError) throw error;
    throw new HelpgateError(
      'HG_ERR_START',
      {
        reason: `the ${name} bundle is missing and cannot be built (run npm run build): ${String(error)}`,
      },
      { cause: error },
    );
  }
}

/** Loads (or builds) the beacon once; throws HG_ERR_START when neither is possible. */
export function loadBeaconAsset(root: string = packageRoot()): ScriptAsset {
  return load(root, 'beacon');
}

/** Loads (or builds) the chat panel's bundle; throws HG_ERR_START when neither is possible. */
export function loadChatAsset(root: string = packageRoot()): ScriptAsset {
  return load(root, 'chat');
}

/** Loads (or builds) the agent console's bundle; throws HG_ERR_START when neither works. */
export function loadConsoleAsset(root: string = packageRoot()): ScriptAsset {
  return load(root, 'console');
}

/** Loads (or builds) the supervisor page's bundle; throws HG_ERR_START when neither is possible. */
export function loadSupervisorAsset(root: string = packageRoot()): ScriptAsset {
  return load(root, 'supervisor');
}

let installed: ScriptAsset | undefined;
let installedConsoleAsset: ScriptAsset | undefined;
let installedSupervisorAsset: ScriptAsset | undefined;
let installedChatAsset: ScriptAsset | undefined;

/** helpgate's own beacon, loaded (or built) on first use and kept for the process's life. */
export function installedBeacon(): ScriptAsset {
  installed ??= loadBeaconAsset();
  return installed;
}

/** helpgate's own chat panel bundle, loaded (or built) on first use. */
export function installedChat(): ScriptAsset {
  installedChatAsset ??= loadChatAsset();
  return installedChatAsset;
}

/** The agent console's bundle (`console.js`), loaded (or built) on first use. */
export function installedConsole(): ScriptAsset {
  installedConsoleAsset ??= loadConsoleAsset();
  return installedConsoleAsset;
}

/** The supervisor page's bundle (`supervisor.js`, with uPlot), loaded (or built) on first use. */
export function installedSupervisor(): ScriptAsset {
  installedSupervisorAsset ??= loadSupervisorAsset();
  return installedSupervisorAsset;
}
