/**
 * The rewrite cache (issue 3, "rewrite once per distinct page"): the rewritten bytes of recent
 * pages, keyed by everything besides the body that makes the output differ. A repeated page is
 * recognised by comparing its upstream body byte for byte with the cached original as it
 * streams in — a few microseconds for 150 KB, where hashing it would cost a hundred — so no
 * digest is computed and no collision can ever serve the wrong page.
 *
 * Pages that carry something for one visitor only (the HELP option) never come here: the
 * caller leaves them out, and nothing in the key could tell two visitors apart.
 *
 * Keeping a page costs a copy of its bytes, and in a full cache it pushes another page out. So
 * once the cache is full, a page is kept only when its key was asked for before (a short
 * memory of recent keys, the "doorkeeper" of TinyLFU): a URL asked for once — a search result,
 * a link with a fresh token — neither costs the copy nor evicts a page that visitors repeat.
 */
import { LRUCache } from 'lru-cache';
import type { PageOrigin } from './content-security-policy.js';

/** A page whose upstream body, or rewritten body, is larger than this is not cached. */
export const CACHE_PAGE_BYTES = 1024 * 1024;
/** The default bound on the bytes the cache holds (originals plus outputs). */
export const CACHE_TOTAL_BYTES = 64 * 1024 * 1024;

/** One rewritten page, ready to be sent again. */
export interface CachedPage {
  /** The upstream body exactly as received, still encoded. */
  readonly original: Buffer;
  /** The rewritten body, encoded as the upstream's was, sent whole with its length. */
  readonly output: Buffer;
  /** The rewritten body's length before encoding (an HTTP/1.0 client's limit applies to it). */
  readonly plainBytes: number;
}

/** What, besides the body bytes, decides a page's rewritten output. */
export interface PageCacheKeyParts {
  /** The request target (path and query): the cache holds one entry per URL. */
  url: string;
  /** The upstream Content-Encoding, normalised (`identity`, `gzip`, `deflate`, `br`). */
  coding: string;
  /** The charset parameter of the response's Content-Type, if any. */
  charset: string | null;
  /** The nonce of the page's header CSP, if any. */
  nonce: string | null;
  /** The beacon tag for that nonce (it embeds the beacon's hash and interval). */
  beaconTag: string;
  /** The page's origin, which decides whether a `<meta>` CSP allows the beacon. */
  origin: PageOrigin | null;
}

/** The cache key for a page; the strip selectors are fixed per rewriter, so not part of it. */
export function pageCacheKey(parts: PageCacheKeyParts): string {
  const origin = parts.origin === null ? null : `${parts.origin.scheme}://${parts.origin.host}`;
  return JSON.stringify([
    parts.url,
    parts.coding,
    parts.charset,
    parts.nonce,
    parts.beaconTag,
    origin,
  ]);
}

export interface RewriteCache {
  /** The entry for a key (it becomes the most recently used). */
  get(key: string): CachedPage | undefined;
  /**
   * Whether the page about to be rewritten for `key` is worth keeping: while the cache has
   * room, or when the key was asked for before (see the module comment). Remembers the key.
   */
  wants(key: string): boolean;
  /** Stores an entry, evicting the least recently used ones beyond the bounds. */
  set(key: string, page: CachedPage): void;
  /** Entries held now. */
  readonly entries: number;
  /** Bytes held now (originals plus outputs). */
  readonly bytes: number;
}

/** Creates the cache, or returns null when `maxEntries` is 0 (caching off). */
export function createRewriteCache(options: {
  maxEntries: number;
  maxBytes: number;
}): RewriteCache | null {
  if (options.maxEntries <= 0 || options.maxBytes <= 0) return null;
  const lru = new LRUCache<string, CachedPage>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    sizeCalculation: (page, key) =>
      Math.max(1, page.original.length + page.output.length + key.length),
  });
  // Recent keys, oldest first (a Set iterates in insertion order).
  const seen = new Set<string>();
  const maxSeen = 4 * options.maxEntries;
  /** Room for one more entry the size of the average one held. */
  const hasRoom = () =>
    lru.size < options.maxEntries &&
    (lru.size === 0 || lru.calculatedSize * (1 + 1 / lru.size) <= options.maxBytes);
  return {
    get: (key) => lru.get(key),
    wants: (key) => {
      if (lru.has(key) || hasRoom() || seen.delete(key)) return true;
      seen.add(key);
      if (seen.size > maxSeen) seen.delete(seen.values().next().value!);
      return false;
    },
    set: (key, page) => {
      lru.set(key, page);
    },
    get entries() {
      return lru.size;
    },
    get bytes() {
      return lru.calculatedSize;
    },
  };
}

/** Whether `chunk` is the cached original's bytes at `offset` (false when it runs past the end). */
export function matchesAt(original: Buffer, offset: number, chunk: Buffer): boolean {
  const end = offset + chunk.length;
  return end <= original.length && chunk.compare(original, offset, end) === 0;
}

/**
 * Collects one page's upstream bytes and its encoded output while it is rewritten, and gives up
 * (holding nothing more) as soon as either grows past {@link CACHE_PAGE_BYTES}.
 */
export class PageRecorder {
  private raw: Buffer[] = [];
  private rawBytes = 0;
  private out: Buffer[] = [];
  private outBytes = 0;
  private plain = 0;
  private tooLarge = false;

  /** Records upstream body bytes, as received. */
  input(chunk: Buffer): void {
    if (this.tooLarge) return;
    this.rawBytes += chunk.length;
    if (this.rawBytes > CACHE_PAGE_BYTES) this.drop();
    else this.raw.push(chunk);
  }

  /** Records encoded output bytes, as sent. */
  output(chunk: Buffer): void {
    if (this.tooLarge) return;
    this.outBytes += chunk.length;
    if (this.outBytes > CACHE_PAGE_BYTES) this.drop();
    else this.out.push(chunk);
  }

  /** Counts rewritten bytes before encoding. */
  plainOutput(bytes: number): void {
    this.plain += bytes;
  }

  /** The finished page, or null when it was too large to keep. */
  page(): CachedPage | null {
    if (this.tooLarge) return null;
    return {
      original: Buffer.concat(this.raw, this.rawBytes),
      output: Buffer.concat(this.out, this.outBytes),
      plainBytes: this.plain,
    };
  }

  private drop(): void {
    this.tooLarge = true;
    this.raw = [];
    this.out = [];
  }
}
