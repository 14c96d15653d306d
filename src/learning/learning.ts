/**
 * Learned thresholds (claims 16, 18, 25, 27, 33, 35): the gate's maxWait and the offers'
 * expiry follow how long earlier visitors really took to accept an offer, and the handle-time
 * distribution (and its mean, the average handle time) follows how long conversations really
 * took, the ones still running included for the time they have lasted. Samples live in
 * bounded rings and survive a restart through the state file (section `learning`).
 */
import type { Config } from '../config/schema.js';
import type { Milliseconds } from '../config/units.js';
import type { Logger } from '../logger.js';
import type { StateFile } from '../profiles/state-file.js';
import { isSample, LEARNING_SECTION, readLearnedSection } from './_learned-state.js';
import {
  exponentialHandleTimes,
  type HandleTimeDistribution,
  learnedHandleTimes,
} from './handle-time-distribution.js';
import { percentileNearestRank } from './percentile.js';
import { createSampleRing } from './sample-ring.js';

export { percentileNearestRank } from './percentile.js';

/** Finished conversations kept for the average handle time. */
export const HANDLE_TIME_WINDOW = 200;
/** Finished conversations needed before the average handle time is learned, not configured. */
export const HANDLE_TIME_MIN_SAMPLES = 10;

/** Where a threshold comes from: the configured duration, the fallback, or the samples. */
export type FigureSource = 'fixed' | 'fallback' | 'learned';

/** The figures in force now, as `api/capacity` and the metrics show them. */
export interface LearnedFigures {
  maxWaitMs: Milliseconds;
  expireAfterMs: Milliseconds;
  averageHandleTimeMs: Milliseconds;
  /** Response-time samples held (at most the larger of the two windows). */
  samples: number;
  /** Finished conversations held for the average handle time (at most 200). */
  handleTimeSamples: number;
  /** `maxWaitMs` comes from samples: `gate.maxWait: learned` and `minSamples` reached. */
  maxWaitLearned: boolean;
  /** `expireAfterMs` comes from samples: `offers.expireAfter: learned` and `minSamples` reached. */
  expireAfterLearned: boolean;
  maxWaitSource: FigureSource;
  expireAfterSource: FigureSource;
}

export interface Learning {
  /** Takes a reloaded config; samples are kept (the newest that fit a smaller window). */
  configure(config: Config): void;
  /** A response time: the server sent an offer, the visitor accepted it `ms` later. */
  recordResponse(ms: Milliseconds): void;
  /** A finished conversation's handle time (assigned to an agent → ended). */
  recordHandleTime(ms: Milliseconds): void;
  /**
   * `gate.maxWait`: the configured duration, or when `learned`, the `percentile` of the last
   * `windowSamples` response times clamped to [`min`, `max`]; `fallback` while fewer than
   * `minSamples` exist.
   */
  maxWait(): Milliseconds;
  /**
   * `offers.expireAfter`: the configured duration, or when `learned`, the `percentile` of the
   * last `windowSamples` response times × `factor`, clamped to [`min`, `max`]; `fallback`
   * while fewer than `minSamples` exist.
   */
  expireAfter(): Milliseconds;
  /**
   * The handle-time distribution, given how long each conversation still running has lasted
   * (default: the ages last given): exponential with mean `agents.averageHandleTime` until 10
   * conversations have finished, then the Kaplan–Meier estimate from the last 200 finished,
   * those cut short by a restart and the running ones (see {@link learnedHandleTimes}).
   */
  handleTimes(running?: readonly Milliseconds[]): HandleTimeDistribution;
  /** The mean of {@link handleTimes}: `agents.averageHandleTime` until 10 finished conversations. */
  averageHandleTime(): Milliseconds;
  figures(): LearnedFigures;
}

export interface LearningOptions {
  /** Where samples are loaded from at creation and saved to on change. */
  state?: StateFile;
  /** Told when a loaded section had to be ignored or cleaned. */
  logger?: Logger;
}

type LearnedSettings = Config['gate']['learned'] & { factor?: number };

/**
 * Learning for a config. Invalid samples (negative, not finite, over a day) are dropped, both
 * when recorded and when loaded; `minSamples` larger than `windowSamples` acts as the window.
 */
export function createLearning(config: Config, options: LearningOptions = {}): Learning {
  const { state, logger } = options;
  const loaded = readLearnedSection(state?.read(LEARNING_SECTION), {
    responses: responseCapacity(config),
    handleTimes: HANDLE_TIME_WINDOW,
  });
  if (loaded.problems.length > 0) {
    logger?.warn(
      { section: LEARNING_SECTION, problems: loaded.problems },
      'learned figures: ignored part of the saved state',
    );
  }
  const responses = createSampleRing(responseCapacity(config), loaded.responses);
  const handleTimes = createSampleRing(HANDLE_TIME_WINDOW, loaded.handleTimes);
  /** Chats a restart cut short: they lasted at least this long. */
  const censored = createSampleRing(HANDLE_TIME_WINDOW, loaded.censoredHandleTimes);
  let running: readonly Milliseconds[] = [];
  let current = config;
  let cached: LearnedFigures | null = null;
  let distribution: HandleTimeDistribution | null = null;

  state?.register(LEARNING_SECTION, () => ({
    responses: responses.latest(),
    handleTimes: handleTimes.latest(),
    censoredHandleTimes: [...censored.latest(), ...running.filter(isSample)].slice(
      -HANDLE_TIME_WINDOW,
    ),
  }));

  function handleTimeDistribution(ages: readonly Milliseconds[] = running): HandleTimeDistribution {
    if (distribution !== null && sameValues(ages, running)) return distribution;
    running = [...ages];
    cached = null;
    const finished = handleTimes.latest();
    distribution =
      finished.length < HANDLE_TIME_MIN_SAMPLES
        ? exponentialHandleTimes(current.agents.averageHandleTime)
        : learnedHandleTimes(finished, [...censored.latest(), ...running]);
    return distribution;
  }

  function threshold(
    setting: Milliseconds | 'learned',
    learned: LearnedSettings,
  ): { ms: Milliseconds; source: FigureSource } {
    if (setting !== 'learned') return { ms: setting, source: 'fixed' };
    const window = responses.latest(learned.windowSamples);
    if (window.length < Math.min(learned.minSamples, learned.windowSamples)) {
      return { ms: learned.fallback, source: 'fallback' };
    }
    const raw = percentileNearestRank(window, learned.percentile) * (learned.factor ?? 1);
    return { ms: Math.round(clamp(raw, learned.min, learned.max)), source: 'learned' };
  }

  function compute(): LearnedFigures {
    const maxWait = threshold(current.gate.maxWait, current.gate.learned);
    const expireAfter = threshold(current.offers.expireAfter, current.offers.learnedExpiry);
    const averageHandleTimeMs = Math.round(handleTimeDistribution().mean);
    return {
      maxWaitMs: maxWait.ms,
      expireAfterMs: expireAfter.ms,
      averageHandleTimeMs,
      samples: responses.size,
      handleTimeSamples: handleTimes.size,
      maxWaitLearned: maxWait.source === 'learned',
      expireAfterLearned: expireAfter.source === 'learned',
      maxWaitSource: maxWait.source,
      expireAfterSource: expireAfter.source,
    };
  }

  const figures = (): LearnedFigures => {
    cached ??= compute();
    return cached;
  };

  function record(ring: typeof responses, ms: Milliseconds): void {
    if (!isSample(ms)) return;
    ring.push(ms);
    cached = null;
    distribution = null;
    state?.changed();
  }

  return {
    configure(config) {
      current = config;
      responses.resize(responseCapacity(config));
      cached = null;
      distribution = null;
    },
    recordResponse: (ms) => record(responses, ms),
    recordHandleTime: (ms) => record(handleTimes, ms),
    maxWait: () => figures().maxWaitMs,
    expireAfter: () => figures().expireAfterMs,
    handleTimes: handleTimeDistribution,
    averageHandleTime: () => figures().averageHandleTimeMs,
    figures: () => ({ ...figures() }),
  };
}

function sameValues(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One ring serves both thresholds, so it holds the larger of their windows. */
function responseCapacity(config: Config): number {
  return Math.max(config.gate.learned.windowSamples, config.offers.learnedExpiry.windowSamples);
}

/** With `min` above `max` (a misconfiguration) `max` wins: the cap is the safer bound. */
function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
