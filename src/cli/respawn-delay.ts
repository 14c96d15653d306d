/**
 * When the primary replaces a worker process that exited unexpectedly (`workers` > 1): at once
 * after a worker that had been running steadily, later and later after one that keeps exiting
 * soon after it starts, so a worker that cannot start (a bad config file, Redis refusing its
 * password) does not fork in a tight loop.
 */

/** A worker that ran at least this long was running steadily; its replacement starts at once. */
export const STEADY_MS = 10_000;
/** The wait after the first exit in a row that came sooner than {@link STEADY_MS}. */
export const FIRST_DELAY_MS = 1_000;
/** The longest wait: doubling stops here. */
export const MAX_DELAY_MS = 30_000;

/** How many workers of one slot in a row exited sooner than {@link STEADY_MS}, after one more exit. */
export function quickExitsAfter(previous: number, ranMs: number): number {
  return ranMs < STEADY_MS ? previous + 1 : 0;
}

/** The wait before forking the replacement: 0, then 1 s, 2 s, 4 s … at most 30 s. */
export function respawnDelay(quickExits: number): number {
  if (quickExits <= 0) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (quickExits - 1));
}
