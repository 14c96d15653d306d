/**
 * Files that ship with helpgate (config examples, the browser bundle) are found relative to
 * the package root, so the same code works from src/ (tests) and from dist/src/ (built).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder that holds helpgate's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('helpgate: cannot find the package root');
    dir = parent;
  }
  root = dir;
  return dir;
}

/** A path inside the package, e.g. `packageFile('config', 'demo.yaml')`. */
export function packageFile(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
