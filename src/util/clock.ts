/** The source of "now" for every time-dependent rule, injectable so tests advance time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
