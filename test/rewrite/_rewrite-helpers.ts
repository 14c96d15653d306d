import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { compileSelectors } from '../../src/rewrite/compile-selectors.js';
import { createHtmlRewriter, type RewriteReport } from '../../src/rewrite/html-rewriter.js';
import type { RewriteJob, Rewriter } from '../../src/rewrite/rewrite-response.js';

export const BEACON = '<script src="/__helpgate/beacon.js?v=t" defer></script>';

export interface RewriteOptions {
  strip?: string[];
  nonce?: string | null;
  bodyEnd?: string;
  charset?: string | null;
  maxBytes?: number;
  /** Chunk sizes to feed; cycled. Default: one chunk. */
  chunks?: number[];
}

/** Rewrites a page (string or bytes) and returns the output bytes and the report. */
export function rewriteBytes(
  input: string | Buffer,
  options: RewriteOptions = {},
): { out: Buffer; report: RewriteReport } {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const rewriter = createHtmlRewriter({
    matcher: compileSelectors(options.strip ?? []),
    beaconTag: (nonce) =>
      nonce === null ? BEACON : BEACON.replace(' defer>', ` defer nonce="${nonce}">`),
    nonce: options.nonce ?? null,
    bodyEnd: options.bodyEnd,
    contentTypeCharset: options.charset === undefined ? 'utf-8' : options.charset,
    maxBytes: options.maxBytes ?? 8 * 1024 * 1024,
  });
  const parts: Buffer[] = [];
  const sizes = options.chunks ?? [bytes.length || 1];
  let k = 0;
  for (let i = 0; i < bytes.length; ) {
    const n = Math.max(1, sizes[k++ % sizes.length]!);
    parts.push(...rewriter.write(bytes.subarray(i, i + n)));
    i += n;
  }
  parts.push(...rewriter.end());
  return { out: Buffer.concat(parts), report: rewriter.report };
}

/** Rewrites and returns the output as text. */
export function rewrite(input: string, options: RewriteOptions = {}): string {
  return rewriteBytes(input, options).out.toString('utf8');
}

/** A deterministic pseudo-random generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hop-by-hop headers the front proxy does not pass on. */
const HOP = ['connection', 'keep-alive', 'transfer-encoding'];

/**
 * A stand-in for the orchestrator: a server that fetches every request's path from the
 * upstream on `upPort` and sends the response through `rewriter` with the test's beacon, plus
 * whatever `extra` adds to the job for that request. Not listening yet.
 */
export function rewritingFront(
  rewriter: Rewriter,
  upPort: number,
  extra: (req: IncomingMessage) => Partial<RewriteJob> = () => ({}),
): http.Server {
  return http.createServer((req, res) => {
    http.get({ host: '127.0.0.1', port: upPort, path: req.url }, (body) => {
      const headers: OutgoingHttpHeaders = { ...body.headers };
      for (const h of HOP) delete headers[h];
      void rewriter.rewrite({
        req,
        res,
        status: body.statusCode ?? 502,
        headers,
        body,
        beaconTag: () => BEACON,
        nonce: null,
        ...extra(req),
      });
    });
  });
}
