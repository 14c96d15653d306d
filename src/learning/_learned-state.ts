/**
 * Reading the learned figures' section of the state file. The file is written by helpgate, but
 * it sits on disk where an operator (or an attacker with write access) may edit it, so every
 * number is checked before it can move a threshold that decides whether visitors see an offer.
 */
import type { Milliseconds } from '../config/units.js';

/**
 * The state-file section that holds the samples: `{ responses: number[], handleTimes: number[],
 * censoredHandleTimes: number[] }`, the last being how long chats cut short by a restart (or
 * still running at the save) had lasted. Files written before it existed load with none.
 */
export const LEARNING_SECTION = 'learning';

/** A sample longer than a day is no response or handle time but a clock jump or a bad file. */
export const MAX_SAMPLE_MS: Milliseconds = 86_400_000;

/** Whether `value` is a plausible duration sample in milliseconds. */
export function isSample(value: unknown): value is Milliseconds {
  return (
    typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_SAMPLE_MS
  );
}

export interface LoadedSamples {
  responses: Milliseconds[];
  handleTimes: Milliseconds[];
  censoredHandleTimes: Milliseconds[];
  /** Why something was ignored; empty when the section was clean (or absent). */
  problems: string[];
}

/**
 * The newest valid samples of a loaded section, at most `limits` of each, oldest first. A
 * section that is not an object of arrays is ignored whole; implausible entries are dropped.
 */
export function readLearnedSection(
  section: unknown,
  limits: { responses: number; handleTimes: number },
): LoadedSamples {
  const empty: LoadedSamples = {
    responses: [],
    handleTimes: [],
    censoredHandleTimes: [],
    problems: [],
  };
  if (section === undefined) return empty;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    return { ...empty, problems: ['the section is not an object'] };
  }
  const record = section as Record<string, unknown>;
  const responses = Object.hasOwn(record, 'responses') ? record['responses'] : [];
  const handleTimes = Object.hasOwn(record, 'handleTimes') ? record['handleTimes'] : [];
  const censored = Object.hasOwn(record, 'censoredHandleTimes')
    ? record['censoredHandleTimes']
    : [];
  if (!Array.isArray(responses) || !Array.isArray(handleTimes) || !Array.isArray(censored)) {
    return {
      ...empty,
      problems: ['responses, handleTimes and censoredHandleTimes must be arrays of milliseconds'],
    };
  }
  const problems: string[] = [];
  const take = (name: string, list: unknown[], limit: number) => {
    const kept: Milliseconds[] = [];
    let dropped = 0;
    // From the newest end, so a huge hostile array costs no more than the samples kept need.
    for (let i = list.length - 1; i >= 0 && kept.length < limit; i--) {
      const value = list[i];
      if (isSample(value)) kept.push(value);
      else dropped++;
    }
    if (dropped > 0) problems.push(`${dropped} implausible ${name} dropped`);
    return kept.reverse();
  };
  return {
    responses: take('responses', responses, limits.responses),
    handleTimes: take('handleTimes', handleTimes, limits.handleTimes),
    censoredHandleTimes: take('censoredHandleTimes', censored, limits.handleTimes),
    problems,
  };
}
