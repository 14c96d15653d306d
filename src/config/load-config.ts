/**
 * Reads a helpgate YAML config: substitutes `${ENV}` references, validates it against the one
 * schema, resolves relative file paths and reports every problem at once, each placed at its
 * file, key path and line:column with a valid example.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type ErrorCode, formatMessage } from '../errors.js';
import { closestKey, exampleFor } from './_config-examples.js';
import { type Anchor, describeIssue } from './_describe-issue.js';
import { formatKeyPath, type KeyPath, type ReadYaml, readYaml } from './_read-yaml.js';
import { type Config, configSchema } from './schema.js';

/** Values from the command line (`--upstream`, `--port`, `--host`); they win over the file's. */
export interface ConfigOverrides {
  upstream?: string;
  port?: number;
  host?: string;
}

export interface LoadConfigOptions {
  /** Where `${NAME}` is looked up. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  overrides?: ConfigOverrides;
}

/** One thing wrong with a config file. */
export interface ConfigProblem {
  code: ErrorCode;
  file: string;
  /** e.g. `triggers[0].when.timeOnPage`; empty for the file as a whole. */
  keyPath: string;
  /** 1-based; absent when the value did not come from the file. */
  line?: number;
  column?: number;
  message: string;
  /** A valid line for this key from the example config, e.g. `timeOnPage: 45s`. */
  example?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read. */
  file: string;
  /**
   * What the YAML reader noticed without it being an error (e.g. an unknown tag). Likely
   * mistakes in the values come from `configWarnings(config)`.
   */
  warnings: string[];
}

/** Every problem of a config file, in order of position. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const first = problems[0];
    const where = first ? `${first.file}${first.line ? `:${first.line}:${first.column}` : ''}` : '';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(`invalid config ${where} ${first?.keyPath ?? ''}: ${first?.message ?? ''}${more}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates the config file; throws {@link ConfigError} listing every problem. */
export async function loadConfig(
  file: string,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const message = formatMessage('HG_ERR_CONFIG_READ', { reason });
    throw new ConfigError([{ code: 'HG_ERR_CONFIG_READ', file, keyPath: '', message }]);
  }
  return parseConfigText(text, file, options);
}

/** Files helpgate must be able to read at start (relative to the config file's folder). */
const READ_AT_START: readonly KeyPath[] = [
  ['listen', 'tls', 'cert'],
  ['listen', 'tls', 'key'],
  ['upstreamCa'],
];

/** Folders helpgate serves files from, which must exist and be readable at start. */
const FOLDERS_AT_START: readonly KeyPath[] = [['offers', 'mediaDir']];

interface Draft {
  readonly code: ErrorCode;
  readonly path: KeyPath;
  readonly message: string;
  readonly offset?: number;
  readonly anchor?: Anchor;
  /** The key whose example to show, when not `path` itself. */
  readonly examplePath?: KeyPath;
}

/** {@link loadConfig} on text already read; `file` names it in problems and anchors paths. */
export function parseConfigText(
  text: string,
  file: string,
  options: LoadConfigOptions = {},
): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const place = (draft: Draft, offset: number | undefined): ConfigProblem => {
    const at = offset === undefined ? undefined : lineCounter.linePos(offset);
    const example = exampleFor(draft.examplePath ?? draft.path);
    return {
      code: draft.code,
      file,
      keyPath: formatKeyPath(draft.path),
      ...(at && { line: at.line, column: at.col }),
      message: draft.message,
      ...(example !== undefined && { example }),
    };
  };

  if (doc.errors.length > 0) {
    // The document's structure is unknown past a syntax error: report only those.
    throw new ConfigError(
      doc.errors.map((error) =>
        place(
          {
            code: 'HG_ERR_CONFIG_YAML',
            path: [],
            message: formatMessage('HG_ERR_CONFIG_YAML', { reason: error.message }),
          },
          error.pos[0],
        ),
      ),
    );
  }

  const read = readYaml(doc, options.env ?? process.env);
  const drafts: Draft[] = [...read.problems];
  if (read.value === null || typeof read.value !== 'object' || Array.isArray(read.value)) {
    const message = 'the file must hold a mapping of keys, e.g. "upstream: http://127.0.0.1:3000"';
    throw new ConfigError([place({ code: 'HG_ERR_CONFIG_TYPE', path: [], message }, 0)]);
  }
  const root = read.value as Record<string, unknown>;
  const overridden = applyOverrides(root, options.overrides ?? {});
  const folder = dirname(resolve(file));
  drafts.push(...checkFilesReadable(root, folder));

  const result = configSchema.safeParse(root, { reportInput: true });
  if (!result.success) {
    // An unset variable already explains whatever the schema then says about that value.
    const unset = new Set(read.problems.map((problem) => formatKeyPath(problem.path)));
    const issues = result.error.issues.flatMap((issue) => describeIssue(issue));
    drafts.push(...issues.filter((draft) => !unset.has(formatKeyPath(draft.path))));
  }

  if (drafts.length > 0 || !result.success) {
    const problems = drafts.map((draft) => {
      const flag = overridden.get(formatKeyPath(draft.path));
      if (flag)
        return place({ ...draft, message: `${draft.message} (given by ${flag})` }, undefined);
      return place(withSuggestion(draft), draft.offset ?? offsetOf(read, draft));
    });
    throw new ConfigError(problems.sort(byPosition));
  }
  const warnings = doc.warnings.map((warning) => {
    const at = lineCounter.linePos(warning.pos[0]);
    return `${file}:${at.line}:${at.col}  ${warning.message}`;
  });
  return { config: resolvePaths(result.data, folder), file: resolve(file), warnings };
}

/** Writes the command-line values into the data; returns which key paths came from which flag. */
function applyOverrides(root: Record<string, unknown>, overrides: ConfigOverrides) {
  const flags = new Map<string, string>();
  if (overrides.upstream !== undefined) {
    root['upstream'] = overrides.upstream;
    flags.set('upstream', '--upstream');
  }
  for (const key of ['port', 'host'] as const) {
    if (overrides[key] === undefined) continue;
    root['listen'] ??= {};
    const listen = root['listen'];
    if (typeof listen === 'object' && listen !== null) {
      (listen as Record<string, unknown>)[key] = overrides[key];
      flags.set(`listen.${key}`, `--${key}`);
    }
  }
  return flags;
}

/** The files and folders helpgate reads at start that cannot be read. */
function checkFilesReadable(root: Record<string, unknown>, folder: string): Draft[] {
  const drafts: Draft[] = [];
  const checks = [
    ...READ_AT_START.map((path) => ({ path, problemOf: unreadable })),
    ...FOLDERS_AT_START.map((path) => ({ path, problemOf: unreadableFolder })),
  ];
  for (const { path, problemOf } of checks) {
    const value = path.reduce<unknown>(
      (node, key) =>
        node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
      root,
    );
    if (typeof value !== 'string' || value === '') continue;
    const absolute = resolve(folder, value);
    const reason = problemOf(absolute);
    if (reason) {
      const message = formatMessage('HG_ERR_CONFIG_FILE', {
        value: `${value} (${absolute})`,
        reason,
      });
      drafts.push({ code: 'HG_ERR_CONFIG_FILE', path, message });
    }
  }
  return drafts;
}

/** File paths relative to the config file's folder made absolute (absolute ones stay). */
function resolvePaths(config: Config, folder: string): Config {
  const at = (path: string) => resolve(folder, path);
  const { tls } = config.listen;
  return {
    ...config,
    listen: { ...config.listen, tls: tls && { cert: at(tls.cert), key: at(tls.key) } },
    upstreamCa: config.upstreamCa && at(config.upstreamCa),
    state: { file: config.state.file && at(config.state.file) },
    offers: { ...config.offers, mediaDir: config.offers.mediaDir && at(config.offers.mediaDir) },
  };
}

function unreadable(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'not a file';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    return reasonOf(error, 'no such file');
  }
}

/** Why a folder cannot be listed and read from, if it cannot (X_OK: its files can be opened). */
function unreadableFolder(path: string): string | undefined {
  try {
    if (!statSync(path).isDirectory()) return 'not a folder';
    accessSync(path, constants.R_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    return reasonOf(error, 'no such folder');
  }
}

function reasonOf(error: unknown, missing: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? missing
    : code === 'EACCES'
      ? 'permission denied'
      : (code ?? String(error));
}

/** Where a problem points: an unknown key at the key, a missing key at its mapping. */
function offsetOf(read: ReadYaml, draft: Draft): number | undefined {
  const spot = read.spots.get(formatKeyPath(draft.path));
  if (draft.anchor === 'key' && spot?.key) return spot.key[0];
  if (spot && draft.anchor !== 'parent') return spot.value[0];
  // The nearest enclosing value that is in the file.
  for (let length = draft.path.length - 1; length >= 0; length--) {
    const enclosing = read.spots.get(formatKeyPath(draft.path.slice(0, length)));
    if (enclosing) return enclosing.value[0];
  }
  return undefined;
}

/** "did you mean" for a misspelt key, whose example is then the right key's. */
function withSuggestion(draft: Draft): Draft {
  if (draft.code !== 'HG_ERR_CONFIG_UNKNOWN_KEY') return draft;
  const key = String(draft.path.at(-1));
  const suggestion = closestKey(draft.path.slice(0, -1), key);
  if (!suggestion) return draft;
  const message = `${draft.message}; did you mean "${suggestion}"?`;
  return { ...draft, message, examplePath: [...draft.path.slice(0, -1), suggestion] };
}

function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);
}
