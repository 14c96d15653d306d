/**
 * The promised wait (issue "a promised wait that holds"; claims 14, 15, 24, 32): the wait of
 * the visitor at place p in line is the time until p slots have freed, and what helpgate tells
 * (and what the gate compares with maxWait) is its `confidence` quantile — with 0.9, nine
 * visitors in ten are served within what they were told, whatever the shape of the handle
 * times.
 *
 * A small Monte Carlo: each draw gives every running chat the time it has left (from the
 * handle-time distribution, given how long it has lasted) and every chat that starts after it
 * a fresh length, and reads off when each slot frees. The random numbers are the same for every
 * computation (a fixed seed: common random numbers), so the promise moves only when the queue,
 * the agents or the distribution do, never from one heartbeat to the next by chance. They are
 * stratified (a Latin hypercube: each chat's draws cover every 1/1000th of [0, 1) once), so the
 * one fixed seed cannot happen to be a lucky or an unlucky one.
 */
import type { Milliseconds } from '../config/units.js';
import type { HandleTimeDistribution } from '../learning/handle-time-distribution.js';
import { type Random, seededRandom } from '../util/seeded-random.js';

/**
 * Draws per computation: with 400 the 90th percentile of the first of two exponential chats to
 * end came out 4 % short, with 1,000 within 1 %.
 */
export const WAIT_DRAWS = 1000;
/** Bootstrap replicas of a learned distribution per computation. */
const REPLICAS = 20;
/** The fixed seed of every computation (any constant would do). */
const WAIT_SEED = 0x5eed;

/** An available agent as the estimate sees it. */
export interface ServingAgent {
  capacity: number;
  /** How long each of its conversations has lasted so far. */
  ages: readonly Milliseconds[];
}

/**
 * The promised wait for each place 1…`places` in line (index 0 is place 1), in whole
 * milliseconds, non-decreasing. Empty when nothing serves.
 */
export function promisedWaits(input: {
  agents: readonly ServingAgent[];
  places: number;
  distribution: HandleTimeDistribution;
  /** The share of visitors to be served within the promise, 0.5–0.999. */
  confidence: number;
  draws?: number;
}): Milliseconds[] {
  const { agents, places, distribution, confidence } = input;
  const draws = input.draws ?? WAIT_DRAWS;
  const slots = agents.reduce((sum, agent) => sum + agent.capacity, 0);
  if (slots === 0 || places < 1) return [];
  const column = latinHypercube(draws);
  // What is learned from few chats is uncertain: each group of draws uses its own bootstrap
  // replica of the estimate, so the quantile is of the wait allowing for that uncertainty.
  const replicas = distribution.resample
    ? Array.from({ length: REPLICAS }, (_, b) =>
        distribution.resample!(seededRandom(WAIT_SEED + 1 + b)),
      )
    : [distribution];
  const of = (d: number) => replicas[d % replicas.length]!;
  // Each draw's slots, as a min-heap of when each frees: free[d × slots …].
  const free = new Float64Array(draws * slots);
  let chat = 0;
  let offset = 0;
  for (const agent of agents) {
    const { capacity, ages } = agent;
    // An agent below its capacity has free slots now (0, as the array starts).
    const idle = Math.max(0, capacity - ages.length);
    if (ages.length <= capacity) {
      for (const age of ages) {
        const u = column(chat++);
        for (let d = 0; d < draws; d++) {
          free[d * slots + offset + idle] = of(d).remaining(age, u[d]!);
        }
        offset++;
      }
      offset += idle;
      continue;
    }
    // An agent over its capacity (lowered meanwhile) frees a slot only once enough chats end:
    // its slots free at its `capacity` latest ends.
    const columns = ages.map(() => column(chat++));
    const left = new Float64Array(ages.length);
    for (let d = 0; d < draws; d++) {
      for (let k = 0; k < ages.length; k++) left[k] = of(d).remaining(ages[k]!, columns[k]![d]!);
      left.sort();
      for (let k = 0; k < capacity; k++)
        free[d * slots + offset + k] = left[ages.length - capacity + k]!;
    }
    offset += capacity;
  }
  for (let d = 0; d < draws; d++) heapify(free, d * slots, slots);
  // waits[place × draws + draw]
  const waits = new Float64Array(places * draws);
  for (let p = 0; p < places; p++) {
    const u = column(chat + p);
    for (let d = 0; d < draws; d++) {
      const base = d * slots;
      const at = free[base]!;
      waits[p * draws + d] = at;
      free[base] = at + of(d).draw(u[d]!);
      siftDown(free, base, slots, 0);
    }
  }
  const result: Milliseconds[] = [];
  // The one-sided 95 % upper confidence bound of the quantile (order statistics, free of any
  // assumption): the Monte Carlo's own error must not shorten a promise. With 1,000 draws at
  // 0.9 it is the 916th wait, about the 0.916 quantile.
  const spread = 1.645 * Math.sqrt(draws * confidence * (1 - confidence));
  const rank = Math.min(draws, Math.max(1, Math.ceil(confidence * draws + spread)));
  let floor = 0;
  for (let p = 0; p < places; p++) {
    const column = waits.subarray(p * draws, (p + 1) * draws);
    select(column, rank - 1);
    // Later places never wait less: the quantiles of ordered times are ordered, but say so.
    floor = Math.max(floor, Math.ceil(column[rank - 1]!));
    result.push(floor);
  }
  return result;
}

/** The same for every computation, so made once: `draws` → its columns, one per dimension. */
const hypercubes = new Map<number, { random: Random; columns: Float64Array[] }>();
/** Columns kept beyond this are made afresh each time (a queue hundreds long), from the seed. */
const MAX_KEPT_COLUMNS = 256;

/**
 * `column(dimension)`: `draws` uniform numbers, one in each of `draws` equal strata of [0, 1),
 * in an order shuffled per dimension. The same for every computation.
 */
function latinHypercube(draws: number): (dimension: number) => Float64Array {
  let kept = hypercubes.get(draws);
  if (kept === undefined) {
    kept = { random: seededRandom(WAIT_SEED), columns: [] };
    hypercubes.set(draws, kept);
  }
  const { columns, random } = kept;
  // Beyond the kept columns: a stream of its own, the same in every computation.
  const extraRandom = seededRandom(WAIT_SEED + 1);
  const extra: Float64Array[] = [];
  return (dimension) => {
    if (dimension < MAX_KEPT_COLUMNS) {
      while (columns.length <= dimension) columns.push(strataColumn(random, draws));
      return columns[dimension]!;
    }
    const index = dimension - MAX_KEPT_COLUMNS;
    while (extra.length <= index) extra.push(strataColumn(extraRandom, draws));
    return extra[index]!;
  };
}

function strataColumn(random: Random, draws: number): Float64Array {
  const values = new Float64Array(draws);
  for (let i = 0; i < draws; i++) values[i] = i;
  for (let i = draws - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  for (let i = 0; i < draws; i++) values[i] = (values[i]! + random()) / draws;
  return values;
}

/** Moves the `k`-th smallest value of `values` to index `k` (Hoare's quickselect). */
function select(values: Float64Array, k: number): void {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** Makes `heap[base … base + size)` a min-heap. */
function heapify(heap: Float64Array, base: number, size: number): void {
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(heap, base, size, i);
}

function siftDown(heap: Float64Array, base: number, size: number, from: number): void {
  let i = from;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < size && heap[base + l]! < heap[base + m]!) m = l;
    if (r < size && heap[base + r]! < heap[base + m]!) m = r;
    if (m === i) return;
    const swap = heap[base + i]!;
    heap[base + i] = heap[base + m]!;
    heap[base + m] = swap;
    i = m;
  }
}
