/**
 * Fixed-bin histograms of durations: each per-minute bucket keeps counts, not samples, so a
 * window's median is the sum of its buckets' counts read once, in bounded memory whatever
 * the traffic. A percentile is exact to its bin (interpolated inside it).
 */

/** Upper edges of the bins, in seconds; the last bin is open (≥ 3,600 s). */
export const HISTOGRAM_EDGES_SECONDS: readonly number[] = [
  1,
  2,
  3,
  5,
  7,
  10,
  15,
  20,
  30,
  45,
  60,
  90,
  120,
  180,
  240,
  300,
  450,
  600,
  900,
  1200,
  1800,
  2700,
  3600,
  Number.POSITIVE_INFINITY,
];

/** Bins per histogram. */
export const HISTOGRAM_BINS = HISTOGRAM_EDGES_SECONDS.length;

/** The bin a duration of `ms` falls in. */
export function binOf(ms: number): number {
  const seconds = Math.max(0, ms) / 1000;
  for (let bin = 0; bin < HISTOGRAM_BINS - 1; bin++) {
    if (seconds < HISTOGRAM_EDGES_SECONDS[bin]!) return bin;
  }
  return HISTOGRAM_BINS - 1;
}

/**
 * The `q`-quantile (0–1) in seconds of the counts in `counts[offset … offset + bins)`,
 * interpolated linearly inside its bin; the open last bin answers its lower edge. `null`
 * when empty.
 */
export function histogramQuantile(counts: ArrayLike<number>, q: number, offset = 0): number | null {
  let total = 0;
  for (let bin = 0; bin < HISTOGRAM_BINS; bin++) total += counts[offset + bin]!;
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let bin = 0; bin < HISTOGRAM_BINS; bin++) {
    const count = counts[offset + bin]!;
    if (count > 0 && below + count >= rank) {
      const low = bin === 0 ? 0 : HISTOGRAM_EDGES_SECONDS[bin - 1]!;
      const high = HISTOGRAM_EDGES_SECONDS[bin]!;
      if (!Number.isFinite(high)) return low;
      return round1(low + ((rank - below) / count) * (high - low));
    }
    below += count;
  }
  return HISTOGRAM_EDGES_SECONDS[HISTOGRAM_BINS - 2]!;
}

/** Seconds to one decimal. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
