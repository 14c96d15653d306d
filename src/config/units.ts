/**
 * Parsers of the config's unit-bearing scalars: durations, sizes and rates. Each returns
 * `undefined` for a value it cannot read, so the schema can report it with the key's position.
 */

/** A duration in milliseconds. */
export type Milliseconds = number;
/** A size in bytes. */
export type Bytes = number;

/** A request rate: `count` requests per `windowMs`. */
export interface Rate {
  readonly count: number;
  readonly windowMs: Milliseconds;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `90` (seconds), `"90s"`, `"5m"`, `"1500ms"`, `"1h"` → milliseconds. */
export function parseDuration(value: unknown): Milliseconds | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.round(Number(match[1]) * (DURATION_UNITS[unit] ?? 1000));
}

/** `8388608` (bytes), `"512KB"`, `"8MB"`, `"1GB"` → bytes (binary multiples). */
export function parseSize(value: unknown): Bytes | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase();
  return Math.floor(Number(match[1]) * (SIZE_UNITS[unit] ?? 1));
}

/** `"2/s"`, `"50/s"`, `"100/m"`, `"1000/h"` → a rate. */
export function parseRate(value: unknown): Rate | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+)\s*\/\s*(s|m|h)\s*$/i.exec(value);
  if (!match) return undefined;
  const count = Number(match[1]);
  if (count < 1) return undefined;
  return { count, windowMs: DURATION_UNITS[(match[2] ?? 's').toLowerCase()] ?? 1000 };
}

/** Renders milliseconds the way the config writes them (`"90s"`, `"5m"`, `"1500ms"`). */
export function formatDuration(ms: Milliseconds): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
