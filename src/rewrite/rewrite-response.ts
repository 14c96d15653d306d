/**
 * The rewriter: sends each rewritable HTML response to the browser rewritten (DESIGN.md,
 * "Bytes on the wire"). What happens to one response — decoding, rewriting, re-encoding, the
 * rewrite cache, the limits on size and on pages rewritten at once — is in page-rewrite.ts;
 * here the strip selectors are compiled and the rewrite cache and slots are made, once per
 * config.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { type Clock, systemClock } from '../util/clock.js';
import { compileSelectors } from './compile-selectors.js';
import { PageRewrite, type RewriteJob, type RewriterShared } from './page-rewrite.js';
import { CACHE_TOTAL_BYTES, createRewriteCache } from './rewrite-cache.js';
import { createRewriteSlots, defaultSlotLimits, type SlotLimits } from './rewrite-slots.js';

export type { RewriteJob } from './page-rewrite.js';

/** Counters of a rewriter since it was created, and what its cache holds now. */
export interface RewriterStats {
  /** Pages sent from the rewrite cache, without being rewritten again. */
  cacheHits: number;
  /** Pages that had a cache entry but whose upstream body differed from it. */
  cacheMismatches: number;
  /** Pages that went through the HTML rewriter. */
  rewrites: number;
  /** Entries in the rewrite cache. */
  cacheEntries: number;
  /** Bytes in the rewrite cache (upstream originals plus outputs). */
  cacheBytes: number;
  /** Pages served unmodified because too many were being rewritten (see rewrite-slots.ts). */
  refused: number;
  /**
   * Bytes decompressed from compressed pages to rewrite them: what bounds the CPU a small
   * compressed body can cost (see `INFLATE_LIMIT_FACTOR` in page-rewrite.ts).
   */
  inflatedBytes: number;
  /** Pages being rewritten now, and pages waiting for their turn. */
  active: number;
  waiting: number;
}

export interface Rewriter {
  /** Sends the rewritten response; resolves when it is finished or abandoned. */
  rewrite(job: RewriteJob): Promise<void>;
  stats(): RewriterStats;
}

/**
 * Creates the rewriter for a config: the strip selectors are compiled once, here, and the
 * rewrite cache (`rewrite.cacheEntries` entries, 0 = off; at most `cacheBytes`, default
 * {@link CACHE_TOTAL_BYTES}) lives as long as the rewriter, so it never outlives the selectors.
 * `slots` overrides the limits on pages rewritten at once ({@link defaultSlotLimits}); `clock`
 * measures how long a page waited for its turn.
 */
export function createRewriter(
  config: Config,
  deps: {
    logger: Logger;
    cacheBytes?: number;
    slots?: Partial<SlotLimits>;
    clock?: Clock;
    /** Told of each page served unmodified because of the limit (metrics). */
    onRefused?: () => void;
    /** Told of the bytes each decoder puts out (metrics). */
    onInflated?: (bytes: number) => void;
  },
): Rewriter {
  const shared: RewriterShared = {
    matcher: compileSelectors(config.strip),
    maxBytes: config.rewrite.maxBytes,
    logger: deps.logger,
    cache: createRewriteCache({
      maxEntries: config.rewrite.cacheEntries,
      maxBytes: deps.cacheBytes ?? CACHE_TOTAL_BYTES,
    }),
    slots: createRewriteSlots({ ...defaultSlotLimits(), ...deps.slots }, deps.clock ?? systemClock),
    counters: { cacheHits: 0, cacheMismatches: 0, rewrites: 0, refused: 0, inflatedBytes: 0 },
    onRefused: deps.onRefused ?? (() => {}),
    onInflated: deps.onInflated ?? (() => {}),
  };
  return {
    rewrite(job) {
      return new Promise<void>((resolve) => {
        new PageRewrite(job, shared, resolve).start();
      });
    },
    stats() {
      return {
        ...shared.counters,
        cacheEntries: shared.cache?.entries ?? 0,
        cacheBytes: shared.cache?.bytes ?? 0,
        active: shared.slots.active,
        waiting: shared.slots.waiting,
      };
    },
  };
}
