/**
 * Turns a parsed YAML document into plain data while remembering where every key path sits
 * in the text, so that any later problem can name its line and column. Environment references
 * are substituted here, scalar by scalar, before the schema sees the values.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { ErrorCode } from '../errors.js';
import { formatMessage } from '../errors.js';
import { interpolateEnv, isWholeReference } from './_interpolate-env.js';

export type KeyPath = readonly (string | number)[];

/** Character offsets of a key (absent for the document root and list items) and its value. */
export interface Spot {
  readonly key?: readonly [start: number, end: number];
  readonly value: readonly [start: number, end: number];
}

/** A problem found while reading, already placed at a character offset. */
export interface ReadProblem {
  readonly code: ErrorCode;
  readonly path: KeyPath;
  readonly offset: number;
  readonly message: string;
}

export interface ReadYaml {
  readonly value: unknown;
  /** By {@link formatKeyPath}. */
  readonly spots: ReadonlyMap<string, Spot>;
  readonly problems: readonly ReadProblem[];
}

/** `['triggers', 0, 'when', 'timeOnPage']` → `triggers[0].when.timeOnPage`. */
export function formatKeyPath(path: KeyPath): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`,
    )
    .join('');
}

type Range = readonly [number, number, ...number[]];

/** Reads `doc` into plain data, substituting `${…}` from `env` in every string value. */
export function readYaml(doc: Document, env: NodeJS.ProcessEnv): ReadYaml {
  const spots = new Map<string, Spot>();
  const problems: ReadProblem[] = [];
  const expanding = new Set<unknown>();

  const read = (node: unknown, path: KeyPath, keyRange?: Range | null): unknown => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined || expanding.has(target)) {
        const offset = node.range?.[0] ?? 0;
        problems.push({ code: 'HG_ERR_CONFIG_YAML', path, offset, message: 'unusable alias' });
        return null;
      }
      expanding.add(target);
      const value = read(target, path, keyRange);
      expanding.delete(target);
      return value;
    }
    const range = (node as { range?: Range | null } | null)?.range;
    if (range) {
      const key = keyRange ? ([keyRange[0], keyRange[1]] as const) : undefined;
      spots.set(formatKeyPath(path), { key, value: [range[0], range[1]] });
    }
    if (isMap(node)) {
      const entries: [string, unknown][] = [];
      const seen = new Set<string>();
      for (const pair of node.items) {
        const keyNode = pair.key;
        const name = isScalar(keyNode) ? String(keyNode.value) : JSON.stringify(keyNode);
        const at = (keyNode as { range?: Range | null } | null)?.range ?? range ?? [0, 0];
        if (seen.has(name)) {
          problems.push({
            code: 'HG_ERR_CONFIG_YAML',
            path: [...path, name],
            offset: at[0],
            message: `duplicate key "${name}": it is already set earlier in this mapping`,
          });
          continue;
        }
        seen.add(name);
        entries.push([name, read(pair.value, [...path, name], at)]);
      }
      // fromEntries defines own properties, so a key named "__proto__" stays plain data.
      return Object.fromEntries(entries);
    }
    if (isSeq(node)) return node.items.map((item, index) => read(item, [...path, index]));
    if (isScalar(node)) {
      if (typeof node.value !== 'string') return node.value;
      return substitute(node.value, node.type === 'PLAIN', path, range?.[0] ?? 0);
    }
    return null;
  };

  const substitute = (raw: string, plain: boolean, path: KeyPath, offset: number): unknown => {
    const { text, unset, malformed } = interpolateEnv(raw, env);
    for (const name of unset) {
      const message = formatMessage('HG_ERR_CONFIG_ENV', { name });
      problems.push({ code: 'HG_ERR_CONFIG_ENV', path, offset, message });
    }
    for (const reference of malformed) {
      const message = `${reference} is not a variable reference (write \${NAME} or \${NAME:-default})`;
      problems.push({ code: 'HG_ERR_CONFIG_ENV', path, offset, message });
    }
    return plain && isWholeReference(raw) ? rereadScalar(text) : text;
  };

  return { value: read(doc.contents, []), spots, problems };
}

/** `"8080"` → 8080, `"false"` → false, as if the text had been written in the file. */
function rereadScalar(text: string): unknown {
  if (text.trim() === '') return text;
  const doc = parseDocument(text);
  return doc.errors.length === 0 && isScalar(doc.contents) ? doc.contents.value : text;
}
