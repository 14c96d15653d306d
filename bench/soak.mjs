// Memory over a soak: RSS of a fresh rewriting helpgate, read from /proc/<pid>/status.
import { readFileSync } from 'node:fs';
import { assertAlive, stopChild } from './children.mjs';
import { load } from './load.mjs';
import { startHelpgate, uniquePath } from './servers.mjs';

/** Rewrite cache entries helpgate keeps by default (`rewrite.cacheEntries`). */
const DEFAULT_CACHE_ENTRIES = 256;
const SAMPLES = 6;

/** The resident set size of a process in MB, or null where /proc cannot tell. */
export function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Runs a fresh rewriting helpgate for `seconds` under the same page, different pages and JSON
 * in turn. RSS is taken idle, after a warm-up long enough to fill the default rewrite cache (so
 * that a cache filling up is not mistaken for a leak), every `seconds / 6` and at the end.
 * Resolves null where RSS cannot be read.
 */
export async function soak(upstreamUrl, { seconds, connections }) {
  const helpgate = await startHelpgate('helpgate (soak)', upstreamUrl);
  try {
    const idle = rssMb(helpgate.pid);
    if (idle === null) return null;
    const mix = ['/page', null, '/data.json'];
    let next = 0;
    const path = () => mix[next++ % mix.length] ?? uniquePath();
    const options = { base: helpgate.url, path, connections };
    await load({ ...options, amount: mix.length * (DEFAULT_CACHE_ENTRIES + 64) });
    await load({ ...options, seconds: Math.min(5, seconds / 4) });
    const start = rssMb(helpgate.pid);
    const samples = [];
    let peak = start;
    const began = Date.now();
    const sampler = setInterval(() => {
      const now = rssMb(helpgate.pid) ?? 0;
      peak = Math.max(peak, now);
      const due = ((samples.length + 1) * seconds * 1000) / SAMPLES - 500;
      if (samples.length < SAMPLES - 1 && Date.now() - began >= due) samples.push(now);
    }, 250);
    const result = await load({ ...options, seconds });
    clearInterval(sampler);
    assertAlive(helpgate);
    const end = rssMb(helpgate.pid);
    return {
      seconds,
      idle,
      start,
      samples: [...samples, end],
      end,
      peak: Math.max(peak, end),
      result,
    };
  } finally {
    await stopChild(helpgate);
  }
}
