/**
 * A small seeded pseudo-random generator (mulberry32) and the draws the simulation needs, so
 * the same seed gives the same simulated hour on every machine, and the promised-wait estimate
 * gives the same figure for the same queue.
 */

/** Uniform numbers in [0, 1) from a 32-bit seed. */
export type Random = () => number;

/** mulberry32: fast, 32 bits of state, good enough for simulation (not for secrets). */
export function seededRandom(seed: number): Random {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An independent stream for one purpose, derived from the run's seed and a purpose number. */
export function derivedRandom(seed: number, stream: number): Random {
  return seededRandom(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(stream, 0xc2b2ae35));
}

/** An exponential draw with mean `mean`. */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

/** A standard normal draw (Box–Muller; one of the pair is dropped for simplicity). */
export function standardNormal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
