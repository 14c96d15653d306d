/**
 * Percentiles by nearest rank (DESIGN.md, "Response time"): the answer is always one of the
 * samples, never an interpolation, so "p50 of the last 500 response times" is a time a real
 * visitor actually took.
 */

/**
 * The `percentile`-th percentile of `values` by nearest rank: the value at 1-based rank
 * `ceil(percentile / 100 × n)` of the values sorted ascending. `values` need not be sorted and
 * is not changed.
 *
 * @param percentile in (0, 100]
 * @throws RangeError when `values` is empty or `percentile` is outside (0, 100]
 */
export function percentileNearestRank(values: readonly number[], percentile: number): number {
  const n = values.length;
  if (n === 0) throw new RangeError('no values to take a percentile of');
  if (!(percentile > 0 && percentile <= 100)) {
    throw new RangeError(`percentile must be in (0, 100], not ${percentile}`);
  }
  // toPrecision drops binary noise: 70 × 10 / 100 must be rank 7, not ceil(7.000000000000001).
  const exact = Number(((percentile * n) / 100).toPrecision(12));
  const rank = Math.min(n, Math.max(1, Math.ceil(exact)));
  const sorted = Float64Array.from(values).sort();
  return sorted[rank - 1]!;
}
