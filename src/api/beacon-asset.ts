/**
 * The bundled beacon served at `{prefix}beacon.js`, versioned by its content hash. Read from
 * the build output (`dist/client/beacon.js`); when that is missing, or older than the beacon's
 * source, it is bundled in memory with esbuild (a dev dependency, so only where the source is).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type * as Esbuild from 'esbuild';
import { HelpgateError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';

export interface BeaconAsset {
  body: Buffer;
  /** `body` gzipped, for clients that accept it. */
  gzip: Buffer;
  /** First 12 hex characters of the SHA-256 of `body`: the `v` of the script URL. */
  hash: string;
  /** A strong ETag derived from the hash. */
  etag: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.ts')) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  }
  return newest;
}

/** Bundles the beacon with the options scripts/build.mjs uses. */
function bundle(root: string): Buffer {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as typeof Esbuild;
  const result = esbuild.buildSync({
    entryPoints: [join(root, 'src', 'client', 'beacon.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2019'],
    legalComments: 'none',
    logLevel: 'silent',
    write: false,
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output');
  return Buffer.from(file.contents);
}

/** Loads (or builds) the beacon once; throws HG_ERR_START when neither is possible. */
export function loadBeaconAsset(root: string = packageRoot()): BeaconAsset {
  const built = join(root, 'dist', 'client', 'beacon.js');
  const sourceDir = join(root, 'src', 'client');
  let body: Buffer;
  try {
    const hasSource = existsSync(join(sourceDir, 'beacon.ts'));
    const fresh =
      existsSync(built) && (!hasSource || statSync(built).mtimeMs >= newestMtime(sourceDir));
    body = fresh ? readFileSync(built) : bundle(root);
  } catch (error) {
    throw new HelpgateError(
      'HG_ERR_START',
      {
        reason: `the beacon bundle is missing and cannot be built (run npm run build): ${String(error)}`,
      },
      { cause: error },
    );
  }
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { body, gzip: gzipSync(body, { level: 9 }), hash, etag: `"${hash}"` };
}

let installed: BeaconAsset | undefined;

/** helpgate's own beacon, loaded (or built) on first use and kept for the process's life. */
export function installedBeacon(): BeaconAsset {
  installed ??= loadBeaconAsset();
  return installed;
}
