/**
 * The distribution of conversation handle times, learned without survivorship bias (issue "a
 * promised wait that holds"): the first chats to finish are the short ones, so the mean of
 * finished chats alone runs low. Chats still running count for the time they have lasted so
 * far (right-censored), through the Kaplan–Meier estimate of the survival function
 * S(t) = P(handle time > t). Beyond the longest chat seen, S falls off exponentially, with a
 * mean of at least that longest chat, so a heavy tail that has not shown itself yet still
 * counts (without it the mean ran 8 % low for lognormal handle times with CV 2).
 */
import type { Milliseconds } from '../config/units.js';

export interface HandleTimeDistribution {
  /** `learned`: from handle times; `default`: exponential with `agents.averageHandleTime`. */
  readonly source: 'learned' | 'default';
  /** The mean handle time, ∫ S(t) dt. */
  readonly mean: Milliseconds;
  /** A handle time for a uniform draw `u` in [0, 1) (inverse transform). */
  draw(u: number): Milliseconds;
  /** The time left of a chat that has lasted `age` so far, for a uniform draw `u` in [0, 1). */
  remaining(age: Milliseconds, u: number): Milliseconds;
  /**
   * The same estimate from a bootstrap resample of the chats it was learned from (with
   * `random` picking them), so a promise can allow for how little is known yet; absent when
   * nothing was learned.
   */
  resample?(random: () => number): HandleTimeDistribution;
}

/** The cautious default before enough handle times are known: memoryless, mean `mean`. */
export function exponentialHandleTimes(mean: Milliseconds): HandleTimeDistribution {
  return {
    source: 'default',
    mean,
    draw: (u) => -Math.log(1 - u) * mean,
    remaining: (_age, u) => -Math.log(1 - u) * mean,
  };
}

/** A chat seen: how long it lasted (ended) or has lasted so far (running). */
interface Observation {
  time: Milliseconds;
  ended: boolean;
}

/**
 * The Kaplan–Meier estimate from `finished` handle times and the ages of `running` chats (at
 * least one finished chat). A running chat is at risk up to its age and leaves the risk set
 * then without a verdict.
 */
export function learnedHandleTimes(
  finished: readonly Milliseconds[],
  running: readonly Milliseconds[],
): HandleTimeDistribution {
  const observations: Observation[] = [
    ...finished.map((time) => ({ time, ended: true })),
    ...running.map((time) => ({ time, ended: false })),
  ].sort((a, b) => a.time - b.time || Number(b.ended) - Number(a.ended));
  return fit(observations, new Float64Array(observations.length).fill(1));
}

/** The estimate from `observations` (sorted by time) each counted `weights[i]` times. */
function fit(observations: readonly Observation[], weights: Float64Array): HandleTimeDistribution {
  // The last observation, ended or running: S is known (flat) up to here.
  let horizon = 0;
  for (let i = observations.length - 1; i >= 0; i--) {
    if (weights[i]! > 0) {
      horizon = observations[i]!.time;
      break;
    }
  }
  // A chat that has outlasted every other one is expected to last at least as long again (the
  // mean remaining time of a heavy tail grows with age): a cautious tail, not a short one.
  const tailMean = Math.max(tailMeanOf(observations, weights), horizon, 1);
  /** Event times and S just after each, decreasing. */
  const times: number[] = [];
  const survival: number[] = [];
  let atRisk = weights.reduce((sum, w) => sum + w, 0);
  let s = 1;
  for (let i = 0; i < observations.length; ) {
    const time = observations[i]!.time;
    let ended = 0;
    let leaving = 0;
    for (; i < observations.length && observations[i]!.time === time; i++) {
      leaving += weights[i]!;
      if (observations[i]!.ended) ended += weights[i]!;
    }
    if (ended > 0) {
      s *= 1 - ended / atRisk;
      times.push(time);
      survival.push(s);
    }
    atRisk -= leaving;
  }
  const tailFrom = s;

  let mean = 0;
  let previousTime = 0;
  let previousS = 1;
  for (let j = 0; j < times.length; j++) {
    mean += previousS * (times[j]! - previousTime);
    previousTime = times[j]!;
    previousS = survival[j]!;
  }
  mean += previousS * (horizon - previousTime) + tailFrom * tailMean;

  const survivalAt = (t: number): number => {
    if (t >= horizon) return tailFrom * Math.exp(-(t - horizon) / tailMean);
    // The last event time at or before t.
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 1 : survival[lo - 1]!;
  };

  /** The first time at which S falls to `level` or below. */
  const timeAt = (level: number): number => {
    if (level < tailFrom) return horizon + tailMean * Math.log(tailFrom / level);
    let lo = 0;
    let hi = survival.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (survival[mid]! <= level) hi = mid;
      else lo = mid + 1;
    }
    return lo < times.length ? times[lo]! : horizon;
  };

  return {
    source: 'learned',
    mean: Math.round(mean),
    resample(random) {
      const n = observations.length;
      const counts = new Float64Array(n);
      for (let k = 0; k < n; k++) counts[Math.floor(random() * n)]! += weights[k]! > 0 ? 1 : 0;
      // At least one finished chat, as the estimate needs; else this estimate stands.
      const anyEnded = observations.some((o, i) => o.ended && counts[i]! > 0);
      return anyEnded ? fit(observations, counts) : fit(observations, weights);
    },
    draw: (u) => timeAt(1 - u),
    remaining(age, u) {
      const left = survivalAt(age);
      if (left <= 0) return -Math.log(1 - u) * tailMean;
      return Math.max(0, timeAt((1 - u) * left) - age);
    },
  };
}

/**
 * The mean of the exponential tail: the censored-exponential maximum likelihood mean (time
 * observed ÷ chats ended) of the longer half of the chats, counted from the middle one.
 */
function tailMeanOf(observations: readonly Observation[], weights: Float64Array): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let middle = 0;
  for (let i = 0, seen = 0; i < observations.length; i++) {
    seen += weights[i]!;
    if (seen > total / 2) {
      middle = observations[i]!.time;
      break;
    }
  }
  let exposure = 0;
  let ended = 0;
  let all = 0;
  let allEnded = 0;
  for (let i = 0; i < observations.length; i++) {
    const { time, ended: done } = observations[i]!;
    const w = weights[i]!;
    all += w * time;
    if (done) allEnded += w;
    if (time <= middle) continue;
    exposure += w * (time - middle);
    if (done) ended += w;
  }
  if (ended === 0) return all / Math.max(1, allEnded);
  return exposure / ended;
}
