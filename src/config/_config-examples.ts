/**
 * Valid examples for error messages, taken from the commented example config shipped in the
 * package (`config/example.yaml`), so the examples can never drift from the real format.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { packageFile } from '../util/package-root.js';
import { formatKeyPath, type KeyPath, type ReadYaml, readYaml } from './_read-yaml.js';

const MAX_LINES = 4;
/** A trailing comment; the example file puts none inside quoted strings. */
const COMMENT = /\s+#.*$|\s+$/;

interface Example {
  readonly text: string;
  readonly read: ReadYaml;
}

let cached: Example | null | undefined;

/** The example file's text and key positions; null when the file is not there. */
function example(): Example | null {
  if (cached !== undefined) return cached;
  try {
    const text = readFileSync(packageFile('config', 'example.yaml'), 'utf8');
    cached = { text, read: readYaml(parseDocument(text, { uniqueKeys: false }), {}) };
  } catch {
    cached = null;
  }
  return cached;
}

/**
 * The example's own line(s) for a key path, e.g. `timeOnPage: 45s`; list items are shown by
 * their list's key and any list index falls back to the example's first item.
 */
export function exampleFor(path: KeyPath): string | undefined {
  const ex = example();
  if (!ex) return undefined;
  let keyPath = [...path];
  while (typeof keyPath.at(-1) === 'number') keyPath = keyPath.slice(0, -1);
  const spot =
    ex.read.spots.get(formatKeyPath(keyPath)) ??
    ex.read.spots.get(formatKeyPath(keyPath.map((p) => (typeof p === 'number' ? 0 : p))));
  if (!spot?.key) return undefined;
  const column = spot.key[0] - ex.text.lastIndexOf('\n', spot.key[0] - 1) - 1;
  const lines = ex.text
    .slice(spot.key[0], spot.value[1])
    .split('\n')
    .map((line, index) => (index === 0 ? line : line.slice(column)).replace(COMMENT, ''))
    .filter((line) => line.trim() !== '');
  return lines.slice(0, MAX_LINES).join('\n');
}

/** The key the example uses under `parent` that is closest to a misspelt `key`, if any. */
export function closestKey(parent: KeyPath, key: string): string | undefined {
  const ex = example();
  let node: unknown = ex?.read.value;
  for (const part of parent) {
    node = Array.isArray(node) ? node[0] : (node as Record<string, unknown> | null)?.[part];
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  let best: { key: string; distance: number } | undefined;
  for (const known of Object.keys(node)) {
    const distance = editDistance(known.toLowerCase(), key.toLowerCase());
    if (distance <= Math.max(2, key.length / 4) && distance < (best?.distance ?? Infinity)) {
      best = { key: known, distance };
    }
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
