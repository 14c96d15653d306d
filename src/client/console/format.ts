/**
 * How the console words numbers and context: durations, waits, profile values. Pure, so tap
 * checks them under Node.
 */

/** `45 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatSeconds(total: number | null): string {
  if (total === null || !Number.isFinite(total)) return 'unknown';
  const s = Math.max(0, Math.round(total));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Seconds from ISO time `since` to `now` (epoch ms); 0 for a time in the future. */
export function secondsSince(since: string, now: number): number {
  const at = Date.parse(since);
  return Number.isNaN(at) ? 0 : Math.max(0, Math.round((now - at) / 1000));
}

/** The promised wait in words: `promised 2 min 00 s`, or that none was given. */
export function formatPromise(seconds: number | null): string {
  return seconds === null ? 'no wait promised' : `promised ${formatSeconds(seconds)}`;
}

/** A profile's fields as `[name, value]` text pairs (values as JSON unless strings). */
export function profileEntries(profile: Record<string, unknown> | null): Array<[string, string]> {
  if (profile === null) return [];
  return Object.entries(profile).map(([key, value]) => [
    key,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
}

/** The tab title: the count of what waits for me first, so it shows in a narrow tab. */
export function titleFor(unread: number): string {
  return unread > 0 ? `(${unread}) helpgate console` : 'helpgate console';
}

/** `returns` in words. */
export function formatReturns(returns: number): string {
  if (returns === 0) return 'first view of this page';
  return returns === 1 ? '1 earlier view of this page' : `${returns} earlier views of this page`;
}

/** The `/word` just before the cursor, if the cursor ends one. */
export function slashWordAt(text: string, cursor: number): { start: number; word: string } | null {
  const before = text.slice(0, cursor);
  const match = /(^|\s)\/([A-Za-z0-9_.-]*)$/.exec(before);
  if (!match) return null;
  return { start: cursor - match[2]!.length - 1, word: match[2]! };
}

/** An ISO time as `2026-03-14 09:26 UTC` (agents on a shift compare it with their own notes). */
export function formatWhen(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
