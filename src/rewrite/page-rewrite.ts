/**
 * Sends a rewritable HTML response to the browser (DESIGN.md, "Bytes on the wire"): decodes
 * gzip, deflate (zlib-wrapped or raw) or br, runs the HTML rewriter, re-encodes the same way,
 * and fixes the headers (weak ETag; no Content-MD5, Accept-Ranges or stale Content-Length).
 *
 * A small page — all of it in within {@link WHOLE_PAGE_BYTES} and before
 * {@link FIRST_BYTE_WAIT_MS} pass — goes out whole with an exact Content-Length; anything else
 * streams chunked as it arrives. Until the first byte is sent a failure is still invisible: a
 * rewriter error serves the original bytes, a corrupt compressed body a 502 page. After it, a
 * failure aborts the connection, so a browser never takes a truncated page for a whole one.
 * An HTTP/1.0 client (no chunked encoding) gets the page buffered up to `rewrite.maxBytes`
 * with a Content-Length, or, when it is larger, the original response.
 *
 * A compressed body costs CPU in proportion to its inflated size, which a small body can make
 * huge (a decompression bomb), so the inflated bytes are counted. Output starts only once the
 * upstream read in progress has been inflated, and a page that inflates past `maxBytes` before
 * its first byte goes out as the upstream sent it, nothing more inflated. Once re-encoded
 * output has gone out, the original cannot be resumed: the page is inflated and re-encoded up
 * to {@link INFLATE_LIMIT_FACTOR} × `maxBytes`, and past that the connection is aborted.
 *
 * A repeated page is sent from the rewrite cache (see rewrite-cache.ts): while an entry exists
 * for the page's key, the upstream body is compared with the cached original chunk by chunk as
 * it arrives, and nothing is sent until the whole body has matched — the cached output is only
 * the right answer for exactly that body, and holding a cacheable page (at most 1 MiB) back
 * until its end costs less than proving a prefix of the output final. Then the cached output goes
 * out whole with an exact Content-Length. At the first differing byte, or when the body ends
 * early, the page falls back to the normal path with the matched prefix (taken from the entry)
 * and the current chunk, so the visitor gets what the normal path gives, and its result
 * replaces the entry.
 *
 * At most a few pages are rewritten at once (see rewrite-slots.ts): a page that would be
 * rewritten waits for a slot before its body is read, and past the wait it is served
 * unmodified — as is a repeated page whose body turned out to differ from the cached one. A
 * page carrying a visitor's HELP option is always rewritten: the offer is already counted as
 * shown.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendProxyError } from '../proxy/send-proxy-error.js';
import { charsetFromContentType } from './charset.js';
import type { StripMatcher } from './compile-selectors.js';
import {
  type Coding,
  codingOf,
  createDecoder,
  createEncoder,
  encodeWhole,
} from './content-coding.js';
import { createHtmlRewriter, type HtmlRewriter } from './html-rewriter.js';
import { pageOrigin } from './is-rewritable.js';
import {
  type CachedPage,
  matchesAt,
  PageRecorder,
  pageCacheKey,
  type RewriteCache,
} from './rewrite-cache.js';
import type { RewriteSlots } from './rewrite-slots.js';
import { headersWithExtras, headerText, rewrittenHeaders } from './rewritten-headers.js';

/** One response to rewrite; the rewriter writes the whole response to `res`. */
export interface RewriteJob {
  /** The browser's request (method, httpVersion, Host). */
  req: IncomingMessage;
  res: ServerResponse;
  status: number;
  /** The upstream's headers, already client-ready (hop-by-hop removed, Location fixed). */
  headers: OutgoingHttpHeaders;
  /** The upstream body, still encoded as sent. */
  body: Readable;
  /** The beacon tag for a nonce (the page's, or null); an empty string injects nothing. */
  beaconTag: (nonce: string | null) => string;
  /**
   * HTML inserted before `</body>` (or at the end), e.g. the HELP option. A job with one is
   * for one visitor only: it neither reads nor writes the rewrite cache.
   */
  bodyEnd?: string;
  /** Headers added to the response; Set-Cookie is appended to the upstream's cookies. */
  extraHeaders?: Record<string, string | string[]>;
  /** The nonce of the page's header Content-Security-Policy, when it uses one. */
  nonce: string | null;
}

/** A page whose rewritten bytes stay within this size is sent whole, with Content-Length. */
export const WHOLE_PAGE_BYTES = 64 * 1024;
/** How long the first byte may wait for the rest of a small page. */
export const FIRST_BYTE_WAIT_MS = 20;
/**
 * A compressed page whose output has started is aborted once it has inflated to this many
 * times `rewrite.maxBytes`: room for pages somewhat larger than the limit, a bound on the CPU
 * a decompression bomb costs.
 */
export const INFLATE_LIMIT_FACTOR = 2;

/** What every page of one rewriter shares. */
export interface RewriterShared {
  matcher: StripMatcher;
  maxBytes: number;
  logger: Logger;
  cache: RewriteCache | null;
  slots: RewriteSlots;
  counters: {
    cacheHits: number;
    cacheMismatches: number;
    rewrites: number;
    refused: number;
    inflatedBytes: number;
  };
  onRefused: () => void;
  /** Told of every piece a decoder puts out, with its size (metrics). */
  onInflated: (bytes: number) => void;
}

/** The state of one response on its way through. */
export class PageRewrite {
  private state: 'comparing' | 'waiting' | 'buffering' | 'streaming' | 'original' | 'done' =
    'buffering';
  private readonly coding: Coding | null;
  private readonly http10: boolean;
  private readonly maxBytes: number;
  private readonly logger: Logger;
  private readonly engine: HtmlRewriter;
  /** Set while the response is corked until the current ticks end (`corkUntilTicksEnd`). */
  private corked = false;
  /** The key of this page in the rewrite cache; null when it must not use the cache. */
  private readonly cacheKey: string | null = null;
  /** The cached page the body is being compared with (state `comparing`). */
  private cached: CachedPage | null = null;
  /** How many body bytes matched the cached original so far. */
  private matched = 0;
  /** Collects the page for the cache while it is rewritten; null once it cannot be cached. */
  private recorder: PageRecorder | null = null;
  /** The first byte would have gone out by now, had the page not been compared. */
  private firstByteDue = false;
  /** The body bytes as received, kept until the first byte goes out (to serve them instead). */
  private original: Buffer[] = [];
  private originalEnded = false;
  private output: Buffer[] = [];
  private outputBytes = 0;
  private decoder: Transform | null = null;
  /** Bytes the decoder has put out so far. */
  private inflated = 0;
  /** Upstream reads written to the decoder that it has not put out in full yet. */
  private inflating = 0;
  /** Output is due to start once the decoder has taken in the read in progress. */
  private streamDue = false;
  private encoder: Transform | null = null;
  private sniff: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly draining = new Set<NodeJS.WritableStream>();
  /** Releases the page's rewrite slot, or withdraws its request for one while it waits. */
  private slot: (() => void) | null = null;
  /** Body bytes that came while the page waited for a slot (state `waiting`), and its end. */
  private held: Buffer[] = [];
  private heldEnd = false;

  constructor(
    private readonly job: RewriteJob,
    private readonly shared: RewriterShared,
    private readonly resolve: () => void,
  ) {
    this.coding = codingOf(job.headers['content-encoding']);
    this.http10 = job.req.httpVersion === '1.0';
    this.maxBytes = shared.maxBytes;
    this.logger = shared.logger;
    const charset = charsetFromContentType(headerText(job.headers['content-type']));
    const origin = pageOrigin(job.req);
    this.engine = createHtmlRewriter({
      matcher: shared.matcher,
      beaconTag: job.beaconTag,
      nonce: job.nonce,
      bodyEnd: job.bodyEnd,
      contentTypeCharset: charset,
      maxBytes: shared.maxBytes,
      origin,
    });
    // A visitor's own HTML (bodyEnd) must never be stored for, nor served to, anyone else.
    if (shared.cache !== null && !job.bodyEnd && this.coding !== null) {
      this.cacheKey = pageCacheKey({
        url: job.req.url ?? '',
        coding: this.coding,
        charset,
        nonce: job.nonce,
        beaconTag: job.beaconTag(job.nonce),
        origin,
      });
    }
  }

  start(): void {
    const { body, res } = this.job;
    res.once('close', () => {
      if (!res.writableFinished) this.abandon();
    });
    if (this.coding === null) {
      this.serveOriginal('unsupported Content-Encoding');
      return;
    }
    const cached = this.cacheKey === null ? undefined : this.shared.cache!.get(this.cacheKey);
    // An HTTP/1.0 client gets a rewritten page only up to rewrite.maxBytes (see above).
    if (cached !== undefined && !(this.http10 && cached.plainBytes > this.maxBytes)) {
      this.state = 'comparing';
      this.cached = cached;
    } else {
      this.startRewrite();
    }
    body.on('data', (chunk: Buffer) => this.onRaw(chunk));
    body.on('end', () => this.onRawEnd());
    body.on('error', (error) => this.fail(error, false));
    if (this.state === 'buffering' || this.state === 'comparing') this.armTimer();
  }

  private armTimer(): void {
    if (this.http10) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // The wait is for the upstream, not for our own work: once the whole body has
      // arrived, the page goes out whole however long decoding and rewriting take, and a read
      // being inflated is inflated first. Nor is it for a rewrite slot: that wait starts
      // again when the rewrite does.
      if (this.originalEnded || this.state === 'waiting') return;
      this.firstByteDue = true;
      this.streamSoon();
    }, FIRST_BYTE_WAIT_MS);
    this.timer.unref();
  }

  /** Starts rewriting the page once it has a slot; see the module comment. */
  private startRewrite(): void {
    if (this.job.bodyEnd === undefined) {
      // The answer may come at once (from inside `request`) or later.
      let later = false;
      let now = null as 'ready' | 'refused' | null;
      const withdraw = this.shared.slots.request(
        (release) => {
          this.slot = release;
          if (later) this.granted();
          else now = 'ready';
        },
        () => {
          if (later) this.refused();
          else now = 'refused';
        },
      );
      later = true;
      if (now === 'refused') {
        this.refused();
        return;
      }
      if (now === null) {
        this.slot = withdraw;
        this.state = 'waiting';
        this.job.body.pause();
        return;
      }
    }
    this.shared.counters.rewrites++;
    this.startRecording();
  }

  private startRecording(): void {
    if (this.cacheKey !== null && this.shared.cache!.wants(this.cacheKey)) {
      this.recorder = new PageRecorder();
    }
  }

  /** A slot freed up for the waiting page: rewrite what came meanwhile, then the rest. */
  private granted(): void {
    if (this.state !== 'waiting') {
      this.dropSlot();
      return;
    }
    this.state = 'buffering';
    this.shared.counters.rewrites++;
    this.startRecording();
    const held = this.held;
    this.held = [];
    for (const chunk of held) this.onRaw(chunk);
    if (this.heldEnd) {
      this.onRawEnd();
      return;
    }
    this.job.body.resume();
    if (this.firstByteDue) this.streamSoon();
    else if (this.timer === null) this.armTimer();
  }

  /** Too many pages are being rewritten: this one goes out as the upstream sent it. */
  private refused(): void {
    if (this.state === 'done') return;
    this.shared.counters.refused++;
    this.shared.onRefused();
    this.original = this.held;
    this.held = [];
    if (this.heldEnd) this.originalEnded = true;
    this.serveOriginal('too many pages being rewritten at once', 'debug');
  }

  private dropSlot(): void {
    const slot = this.slot;
    this.slot = null;
    slot?.();
  }

  // ── the rewrite cache ───────────────────────────────────────────────────────

  /** Compares a chunk with the cached original; false once it differed (now rewriting). */
  private compare(chunk: Buffer): boolean {
    if (matchesAt(this.cached!.original, this.matched, chunk)) {
      this.matched += chunk.length;
      return true;
    }
    this.fallBack();
    return false;
  }

  /** The body differs from the cached one: rewrite it, starting with the part that matched. */
  private fallBack(): void {
    const prefix = this.cached!.original.subarray(0, this.matched);
    this.cached = null;
    this.state = 'buffering';
    this.shared.counters.cacheMismatches++;
    this.startRewrite();
    if (prefix.length > 0) this.onRaw(prefix);
    if (this.firstByteDue) this.streamSoon();
  }

  private sendCached(): void {
    const page = this.cached!;
    this.cached = null;
    this.clearTimer();
    const headers = rewrittenHeaders(this.job.headers, this.job.extraHeaders);
    headers['content-length'] = page.output.length;
    this.writeHead(headers);
    this.job.res.end(page.output);
    this.shared.counters.cacheHits++;
    this.logger.debug({ url: this.job.req.url, cached: true }, 'page rewritten');
    this.finish();
  }

  /** Stores the page just sent, if it was rewritten in full and is small enough. */
  private storeInCache(): void {
    const recorder = this.recorder;
    this.recorder = null;
    const report = this.engine.report;
    if (recorder === null || !report.rewritten || report.truncated) return;
    const page = recorder.page();
    if (page !== null) this.shared.cache!.set(this.cacheKey!, page);
  }

  // ── input ───────────────────────────────────────────────────────────────────

  private onRaw(chunk: Buffer): void {
    if (this.state === 'done') return;
    if (this.state === 'comparing') {
      if (this.compare(chunk)) return;
      this.onRaw(chunk);
      return;
    }
    if (this.state === 'original') {
      if (!this.job.res.write(chunk)) this.pauseUntilDrain(this.job.res);
      return;
    }
    if (this.state === 'waiting') {
      this.held.push(chunk);
      return;
    }
    if (this.state === 'buffering') this.original.push(chunk);
    this.recorder?.input(chunk);
    if (this.coding === 'identity') {
      this.onDecoded(chunk);
      return;
    }
    if (this.decoder === null && !this.startDecoder(chunk)) return;
    this.inflate(chunk);
  }

  private inflate(chunk: Buffer): void {
    const decoder = this.decoder!;
    // Called once the decoder has put out all of the chunk (a Transform calls back after its
    // output has been pushed, which a flowing stream hands over at once).
    const written = (error?: Error | null) => {
      this.inflating--;
      // A corrupt read fails the page (a 502 while nothing went out), it does not start it.
      if (!error && this.streamDue && this.state === 'buffering') this.startStreaming();
    };
    this.inflating++;
    if (!decoder.write(chunk, written)) this.pauseUntilDrain(decoder);
  }

  private onRawEnd(): void {
    if (this.state === 'comparing') {
      if (this.matched === this.cached!.original.length) {
        this.sendCached();
        return;
      }
      this.fallBack();
    }
    if (this.state === 'waiting') {
      this.heldEnd = true;
      return;
    }
    this.originalEnded = true;
    if (this.state === 'original') {
      this.job.res.end();
      this.finish();
      return;
    }
    if (this.state === 'done') return;
    if (this.coding !== 'identity' && this.decoder === null && this.sniff.length > 0) {
      this.startDecoder(Buffer.alloc(0), true);
    }
    const decoder = this.decoder as Transform | null;
    if (decoder) decoder.end();
    else this.onDecodedEnd();
  }

  /** Deflate comes zlib-wrapped (RFC 9110) or raw (old IIS): look at the first two bytes. */
  private startDecoder(chunk: Buffer, force = false): boolean {
    let first = chunk;
    if (this.coding === 'deflate') {
      this.sniff.push(chunk);
      first = Buffer.concat(this.sniff);
      if (first.length < 2 && !force) return false;
      this.sniff = [];
    }
    const decoder = createDecoder(this.coding!, first);
    decoder.on('data', (out: Buffer) => {
      // Counted whatever the page's state: work a decoder does after the page stopped
      // needing it would show here.
      this.shared.counters.inflatedBytes += out.length;
      this.shared.onInflated(out.length);
      this.onInflated(out);
    });
    decoder.on('end', () => this.onDecodedEnd());
    decoder.on('error', (error) => this.fail(error, true));
    this.decoder = decoder;
    if (this.coding === 'deflate' && first.length > 0) {
      this.inflate(first);
      return false;
    }
    return true;
  }

  /** Counts what the decoder puts out, to bound what a small compressed body can cost. */
  private onInflated(chunk: Buffer): void {
    if (this.state === 'done' || this.state === 'original') return;
    this.inflated += chunk.length;
    if (this.state === 'buffering' && this.inflated > this.maxBytes) {
      // Nothing went out yet: the bytes as sent are the answer, and need no more inflating.
      this.serveOriginal('compressed page inflates past rewrite.maxBytes before its first byte');
      return;
    }
    if (this.state === 'streaming' && this.inflated > this.maxBytes * INFLATE_LIMIT_FACTOR) {
      this.logger.warn(
        { url: this.job.req.url, inflated: this.inflated },
        'response aborted: compressed page inflates past the limit',
      );
      this.abort();
      return;
    }
    this.onDecoded(chunk);
  }

  private onDecoded(chunk: Buffer): void {
    if (this.state === 'done' || this.state === 'original') return;
    let out: Buffer[];
    try {
      out = this.engine.write(chunk);
    } catch (error) {
      this.rewriterFailed(error);
      return;
    }
    // A page the rewriter leaves alone (UTF-16 after a BOM) goes out as the upstream sent it.
    if (!this.engine.report.rewritten && this.state === 'buffering') {
      this.serveOriginal(this.engine.report.reason ?? 'not rewritable');
      return;
    }
    if (this.state === 'streaming') {
      this.send(out);
      return;
    }
    for (const b of out) {
      this.output.push(b);
      this.outputBytes += b.length;
    }
    const limit = this.http10 ? this.maxBytes : WHOLE_PAGE_BYTES;
    if (this.outputBytes <= limit && !this.engine.report.truncated) return;
    if (this.http10) this.serveOriginal('page larger than rewrite.maxBytes for an HTTP/1.0 client');
    else this.streamSoon();
  }

  private onDecodedEnd(): void {
    if (this.state === 'done' || this.state === 'original') return;
    let out: Buffer[];
    try {
      out = this.engine.end();
    } catch (error) {
      this.rewriterFailed(error);
      return;
    }
    if (this.state === 'streaming') {
      this.send(out);
      if (this.encoder) this.encoder.end();
      else {
        this.job.res.end();
        this.storeInCache();
      }
      this.logDone(true);
      this.finish();
      return;
    }
    this.output.push(...out);
    this.sendWhole();
  }

  // ── output ──────────────────────────────────────────────────────────────────

  private sendWhole(): void {
    const plain = Buffer.concat(this.output);
    this.output = [];
    let body: Buffer;
    try {
      body = encodeWhole(plain, this.coding!);
    } catch (error) {
      this.rewriterFailed(error);
      return;
    }
    const headers = rewrittenHeaders(this.job.headers, this.job.extraHeaders);
    headers['content-length'] = body.length;
    this.writeHead(headers);
    this.job.res.end(body);
    this.recorder?.plainOutput(plain.length);
    this.recorder?.output(body);
    this.storeInCache();
    this.logDone(false);
    this.finish();
  }

  /**
   * Starts the output, or, while the decoder is inflating a read, once it has put that read
   * out: the rest of it may inflate past maxBytes, and then the original goes out instead.
   */
  private streamSoon(): void {
    if (this.inflating > 0) this.streamDue = true;
    else this.startStreaming();
  }

  private startStreaming(): void {
    if (this.state !== 'buffering') return;
    this.clearTimer();
    this.state = 'streaming';
    this.original = [];
    this.writeHead(rewrittenHeaders(this.job.headers, this.job.extraHeaders));
    const { res } = this.job;
    if (this.coding !== 'identity') {
      const encoder = createEncoder(this.coding!);
      encoder.on('data', (out: Buffer) => {
        this.recorder?.output(out);
        if (!res.write(out)) this.pauseUntilDrain(res);
      });
      encoder.on('end', () => {
        res.end();
        this.storeInCache();
      });
      encoder.on('error', (error) => this.fail(error, false));
      this.encoder = encoder;
    }
    let pending = this.output;
    this.output = [];
    const charsetDecided = this.engine.report.charset !== null;
    try {
      pending = pending.concat(this.engine.flush());
    } catch (error) {
      this.rewriterFailed(error);
      return;
    }
    // The charset was decided on the first bytes only, because the rest was slow to come: the
    // output depends on that moment, so it is not kept for pages whose bytes arrive in time.
    if (!charsetDecided && this.engine.report.charset !== null) this.recorder = null;
    this.send(pending);
  }

  private send(out: Buffer[]): void {
    if (out.length === 0) return;
    const target = this.encoder ?? this.job.res;
    if (this.encoder === null) this.corkUntilTicksEnd();
    let ok = true;
    for (const b of out) {
      this.recorder?.plainOutput(b.length);
      if (this.encoder === null) this.recorder?.output(b);
      ok = target.write(b) && ok;
    }
    // Without a flush, zlib would sit on the start of the page until it had a full block.
    if (this.encoder) (this.encoder as unknown as { flush(cb?: () => void): void }).flush();
    // The response is corked: whether it needs to drain is known once it is uncorked.
    if (!ok && this.encoder) this.pauseUntilDrain(target);
  }

  /**
   * Holds the response's writes until the current run of ticks is over, so that the pieces of
   * one input chunk go out as one write to the socket, not one each, and the last chunk of a
   * page goes out with the end of the response: the upstream's end comes on a tick of the read
   * that brought the last bytes, and `res.end()` then sends everything held at once. Only then
   * is the upstream paused if the client is slow (pausing it earlier would hold back its end,
   * and the end would go out alone); so at most one more chunk is buffered than otherwise.
   */
  private corkUntilTicksEnd(): void {
    if (this.corked) return;
    const { res } = this.job;
    this.corked = true;
    res.cork();
    queueMicrotask(() => {
      this.corked = false;
      // `end()` already sent (and uncorked) everything.
      if (res.writableEnded) return;
      res.uncork();
      if (res.writableNeedDrain && this.state !== 'done') this.pauseUntilDrain(res);
    });
  }

  private writeHead(headers: OutgoingHttpHeaders): void {
    this.job.res.writeHead(this.job.status, headers);
  }

  // ── failures and endings ────────────────────────────────────────────────────

  /** The rewriter itself failed: serve the original bytes if nothing went out yet. */
  private rewriterFailed(error: unknown): void {
    this.logger.error({ err: error, url: this.job.req.url }, 'rewriting failed');
    if (this.state === 'buffering') this.serveOriginal('rewrite failed');
    else this.abort();
  }

  /** Sends the response as the upstream sent it (plus the extra headers). */
  private serveOriginal(reason: string, level: 'info' | 'debug' = 'info'): void {
    this.clearTimer();
    this.dropSlot();
    this.state = 'original';
    this.recorder = null;
    this.logger[level]({ url: this.job.req.url, reason }, 'page not rewritten');
    if (this.decoder !== null) {
      // Destroyed, it never drains: the upstream must not wait for it.
      this.draining.delete(this.decoder);
      this.decoder.on('error', () => {}).destroy();
      this.decoder = null;
    }
    const { res, body } = this.job;
    body.resume();
    this.writeHead(headersWithExtras(this.job.headers, this.job.extraHeaders));
    for (const b of this.original) res.write(b);
    this.original = [];
    if (this.coding === null) {
      body.on('data', (chunk: Buffer) => this.onRaw(chunk));
      body.on('end', () => this.onRawEnd());
      body.on('error', (error) => this.fail(error, false));
    } else if (this.originalEnded) {
      res.end();
      this.finish();
    }
  }

  private fail(error: unknown, corrupt: boolean): void {
    if (this.state === 'done') return;
    this.recorder = null;
    if (this.state === 'buffering' || this.state === 'comparing' || this.state === 'waiting') {
      this.clearTimer();
      this.dropSlot();
      this.state = 'done';
      this.job.body.destroy();
      const hgError = new HelpgateError('HG_ERR_UPSTREAM_BAD_RESPONSE', {}, { cause: error });
      if (corrupt)
        this.logger.warn({ err: error, url: this.job.req.url }, 'corrupt compressed body');
      sendProxyError(this.job.req, this.job.res, hgError, this.logger);
      this.resolve();
      return;
    }
    this.logger.warn({ err: error, url: this.job.req.url }, 'response aborted mid-body');
    this.abort();
  }

  private abort(): void {
    this.job.res.destroy();
    this.abandon();
  }

  /** Stops everything (the client left, or the response was aborted). */
  private abandon(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.recorder = null;
    this.cached = null;
    this.held = [];
    this.clearTimer();
    this.dropSlot();
    this.job.body.on('error', () => {}).destroy();
    this.decoder?.on('error', () => {}).destroy();
    this.encoder?.on('error', () => {}).destroy();
    this.resolve();
  }

  private finish(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.clearTimer();
    this.dropSlot();
    const { res } = this.job;
    if (res.writableFinished) this.resolve();
    else res.once('finish', () => this.resolve());
  }

  private pauseUntilDrain(target: NodeJS.WritableStream): void {
    const { body } = this.job;
    body.pause();
    // The decoder drains by producing output: paused while waiting for its own drain, it
    // would wait forever. It waits only for what it writes to (the encoder, the response).
    if (target !== this.decoder) this.decoder?.pause();
    if (this.draining.has(target)) return;
    this.draining.add(target);
    target.once('drain', () => {
      this.draining.delete(target);
      if (this.state === 'done') return;
      if (![...this.draining].some((t) => t !== this.decoder)) this.decoder?.resume();
      if (this.draining.size === 0) body.resume();
    });
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private logDone(streamed: boolean): void {
    const r = this.engine.report;
    this.logger.debug(
      {
        url: this.job.req.url,
        rewritten: r.rewritten,
        reason: r.reason ?? undefined,
        charset: r.charset?.encoding,
        removed: r.removed,
        declined: r.declined,
        beacon: r.beacon,
        truncated: r.truncated,
        streamed,
        cached: false,
      },
      'page rewritten',
    );
    if (!r.rewritten)
      this.logger.info({ url: this.job.req.url, reason: r.reason }, 'page not rewritten');
  }
}
