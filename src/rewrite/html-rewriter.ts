/**
 * The rewrite of one HTML page as a synchronous byte transform: feed the body's chunks in,
 * get the output chunks back as soon as they are final. It determines the charset, tokenizes
 * the original bytes, follows the stack of open elements, and runs the rewrite steps in order
 * — strip help, inject beacon, inject body end — which splice the bytes. A UTF-8 byte order
 * mark goes out first and the page after it is rewritten as if it began there. Past `maxBytes` of
 * input the rest passes through unmodified with bounded memory.
 */
import { type CharsetDecision, mayStartBom, sniffCharset, UTF8_BOM_BYTES } from './charset.js';
import type { StripMatcher } from './compile-selectors.js';
import type { PageOrigin } from './content-security-policy.js';
import { type BeaconPlacement, createBeaconStep } from './inject-beacon.js';
import { createBodyEndStep } from './inject-body-end.js';
import { TreeBuilder, type TreeListener } from './open-elements.js';
import { Splicer } from './splicer.js';
import { createStripStep } from './strip-help.js';
import { HtmlTokenizer } from './tokenizer.js';

export interface HtmlRewriterOptions {
  matcher: StripMatcher;
  /** The beacon tag for a nonce; an empty string injects nothing. */
  beaconTag: (nonce: string | null) => string;
  /** The nonce of the page's header CSP, when it uses one. */
  nonce: string | null;
  /** HTML inserted before `</body>` (or at the end), e.g. the HELP option. */
  bodyEnd?: string;
  /** The charset parameter of the response's Content-Type, if any. */
  contentTypeCharset: string | null;
  /** Input bytes rewritten at most; the rest passes through unmodified. */
  maxBytes: number;
  /** The page's origin, for CSP host-sources in a `<meta>` policy. */
  origin?: PageOrigin | null;
}

/** What happened to the page, for the log line. */
export interface RewriteReport {
  /** False when the page went through unmodified (with `reason`). */
  rewritten: boolean;
  reason: string | null;
  charset: CharsetDecision | null;
  removed: number;
  declined: number;
  beacon: BeaconPlacement;
  /** True when the page was longer than `maxBytes` and its tail passed through. */
  truncated: boolean;
}

export interface HtmlRewriter {
  write(chunk: Buffer): Buffer[];
  /**
   * Stops waiting for the first 1024 bytes of the `<meta>` prescan and decides the charset on
   * what has arrived, as browsers do when the network is slow (the first bytes of what may be
   * a byte order mark still wait for the rest of it); returns the output it frees.
   */
  flush(): Buffer[];
  end(): Buffer[];
  readonly report: RewriteReport;
}

/** Creates the rewriter for one page. */
export function createHtmlRewriter(options: HtmlRewriterOptions): HtmlRewriter {
  const report: RewriteReport = {
    rewritten: true,
    reason: null,
    charset: null,
    removed: 0,
    declined: 0,
    beacon: 'not-placed',
    truncated: false,
  };
  const splicer = new Splicer();
  let phase: 'sniff' | 'rewrite' | 'raw' = 'sniff';
  let sniffed: Buffer[] = [];
  let tokenizer: HtmlTokenizer | null = null;
  let builder: TreeBuilder | null = null;
  let listener: TreeListener | null = null;
  let total = 0;

  const start = (decision: CharsetDecision) => {
    report.charset = decision;
    if (!decision.asciiCompatible) {
      phase = 'raw';
      report.rewritten = false;
      report.reason = `the page is encoded in ${decision.encoding}, which is not ASCII-compatible`;
      return;
    }
    phase = 'rewrite';
    const steps: TreeListener[] = [];
    // The strip step needs the builder's stack, so the builder gets the listener first and
    // the listener its steps once they exist (before any token).
    listener = {};
    builder = new TreeBuilder(listener, options.matcher.attributeNames, options.matcher.needles);
    steps.push(createStripStep(options.matcher, builder, splicer, report));
    steps.push(
      createBeaconStep({
        beaconTag: options.beaconTag,
        nonce: options.nonce,
        origin: options.origin ?? null,
        splicer,
        placed: (where) => {
          report.beacon = where;
        },
      }),
    );
    if (options.bodyEnd) steps.push(createBodyEndStep(options.bodyEnd, splicer));
    Object.assign(listener, fanOut(steps));
    tokenizer = new HtmlTokenizer(builder, decision.encoding === 'utf-8' ? 'utf8' : 'latin1');
    builder.attach(tokenizer);
  };

  const feed = (chunk: Buffer): Buffer[] => {
    if (phase === 'raw') return chunk.length > 0 ? [chunk] : [];
    const room = options.maxBytes - total;
    if (chunk.length > room) {
      const head = chunk.subarray(0, Math.max(0, room));
      const out = feed(head);
      report.truncated = true;
      // The beacon may still go where it was waiting to be placed; the rest goes out as it came.
      listener!.end?.(tokenizer!.safeOffset, false);
      out.push(...splicer.take(tokenizer!.safeOffset, true), ...splicer.takeRaw());
      phase = 'raw';
      const tail = chunk.subarray(head.length);
      if (tail.length > 0) out.push(tail);
      return out;
    }
    total += chunk.length;
    splicer.append(chunk);
    tokenizer!.write(chunk);
    return splicer.take(tokenizer!.safeOffset);
  };

  const afterSniff = (complete: boolean): Buffer[] | null => {
    const head = sniffed.length === 1 ? sniffed[0]! : Buffer.concat(sniffed);
    const decision = sniffCharset(head, options.contentTypeCharset, complete);
    if (decision === null) return null;
    start(decision);
    sniffed = [];
    if (decision.source === 'bom' && phase === 'rewrite') {
      // The browser's decoder takes a UTF-8 BOM off before its tokenizer sees a byte, and
      // knows it for one only as the first bytes: it goes out first, as it came, and the page
      // after it is rewritten as the same page without it (a tag before it makes it text, so
      // the page is read as windows-1252, and in quirks mode).
      total += UTF8_BOM_BYTES;
      return [head.subarray(0, UTF8_BOM_BYTES), ...feed(head.subarray(UTF8_BOM_BYTES))];
    }
    return feed(head);
  };

  return {
    report,
    write(chunk) {
      if (phase !== 'sniff') return feed(chunk);
      sniffed.push(chunk);
      return afterSniff(false) ?? [];
    },
    flush() {
      if (phase !== 'sniff' || sniffed.length === 0) return [];
      // A browser too waits for the third byte of what may be a BOM.
      if (mayStartBom(sniffed.length === 1 ? sniffed[0]! : Buffer.concat(sniffed))) return [];
      return afterSniff(true) ?? [];
    },
    end() {
      const out = phase === 'sniff' ? (afterSniff(true) ?? []) : [];
      if (phase === 'rewrite') {
        tokenizer!.end();
        // A tag the page ends in is dropped by the browser: the page ends in data before it.
        const dropped = tokenizer!.droppedTagAt;
        if (dropped >= 0) builder!.finish(dropped, true);
        else builder!.finish(splicer.length, tokenizer!.endedInData);
        out.push(...splicer.take(Number.POSITIVE_INFINITY, true));
      }
      return out;
    },
  };
}

/**
 * One listener that calls each step in order. A step may drop its element hooks (set them to
 * `undefined`) once it needs them no more: they are looked up on every call.
 */
function fanOut(steps: readonly TreeListener[]): TreeListener {
  // Called for every element: only the steps that listen, each called directly, with fixed
  // arguments (a rest parameter would cost an array per call).
  type Start = NonNullable<TreeListener['elementStart']>;
  type End = NonNullable<TreeListener['elementEnd']>;
  const starts = steps.filter((s) => s.elementStart);
  const ends = steps.filter((s) => s.elementEnd);
  const [s1, s2] = starts;
  const [e1, e2] = ends;
  const elementStart: Start =
    starts.length === 0
      ? () => false
      : starts.length === 1
        ? (el, tag, depth, isVoid) => s1!.elementStart?.(el, tag, depth, isVoid) === true
        : starts.length === 2
          ? (el, tag, depth, isVoid) => {
              // Both steps hear of every element; either may ask for its end.
              const first = s1!.elementStart?.(el, tag, depth, isVoid) === true;
              return s2!.elementStart?.(el, tag, depth, isVoid) === true || first;
            }
          : (el, tag, depth, isVoid) => {
              let watch = false;
              for (const s of starts) {
                if (s.elementStart?.(el, tag, depth, isVoid) === true) watch = true;
              }
              return watch;
            };
  const elementEnd: End =
    ends.length === 0
      ? () => {}
      : ends.length === 1
        ? (el, end, certain) => e1!.elementEnd?.(el, end, certain)
        : ends.length === 2
          ? (el, end, certain) => {
              e1!.elementEnd?.(el, end, certain);
              e2!.elementEnd?.(el, end, certain);
            }
          : (el, end, certain) => {
              for (const s of ends) s.elementEnd?.(el, end, certain);
            };
  return {
    elementStart,
    elementEnd,
    headStart(at) {
      for (const s of steps) s.headStart?.(at);
    },
    headEnd(at, explicitHead, headHadContent) {
      for (const s of steps) s.headEnd?.(at, explicitHead, headHadContent);
    },
    framesetStart(at) {
      for (const s of steps) s.framesetStart?.(at);
    },
    bodyStart(at, explicit) {
      for (const s of steps) s.bodyStart?.(at, explicit);
    },
    bodyEndTag(at) {
      for (const s of steps) s.bodyEndTag?.(at);
    },
    end(at, inData) {
      for (const s of steps) s.end?.(at, inData);
    },
  };
}
