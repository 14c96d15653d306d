/**
 * The content codings a rewritten page is decoded from and re-encoded in (DESIGN.md, "Bytes on
 * the wire"): gzip, deflate (zlib-wrapped or raw) and br; re-encoding at moderate levels
 * (gzip 6, brotli 5).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { headerText } from './rewritten-headers.js';

/** A Content-Encoding the rewriter decodes and re-encodes (identity: none). */
export type Coding = 'identity' | 'gzip' | 'deflate' | 'br';

/** The coding a Content-Encoding names; null for one the rewriter cannot decode. */
export function codingOf(value: OutgoingHttpHeaders[string]): Coding | null {
  const text = headerText(value)?.trim().toLowerCase() ?? '';
  if (text === '' || text === 'identity') return 'identity';
  if (text === 'gzip' || text === 'x-gzip') return 'gzip';
  if (text === 'deflate') return 'deflate';
  if (text === 'br') return 'br';
  return null;
}

/** Whether two bytes start a zlib stream (RFC 1950), not raw deflate. */
function isZlibHeader(b: Buffer): boolean {
  if (b.length < 2) return false;
  const cmf = b[0]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | b[1]!) % 31 === 0;
}

/** A streaming encoder for `coding` (not identity), at a moderate level. */
export function createEncoder(coding: Coding): Transform {
  if (coding === 'gzip') return zlib.createGzip({ level: 6 });
  if (coding === 'br') return zlib.createBrotliCompress(BROTLI);
  return zlib.createDeflate({ level: 6 });
}

const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } };

/** A whole page encoded in `coding`, at the same levels. */
export function encodeWhole(plain: Buffer, coding: Coding): Buffer {
  if (coding === 'gzip') return zlib.gzipSync(plain, { level: 6 });
  if (coding === 'br') return zlib.brotliCompressSync(plain, BROTLI);
  if (coding === 'deflate') return zlib.deflateSync(plain, { level: 6 });
  return plain;
}

/**
 * A streaming decoder for `coding` (not identity). Deflate comes zlib-wrapped (RFC 9110) or
 * raw (old IIS): `first`, the body's first two bytes or more, tells which.
 */
export function createDecoder(coding: Coding, first: Buffer): Transform {
  return coding === 'gzip'
    ? zlib.createGunzip()
    : coding === 'br'
      ? zlib.createBrotliDecompress()
      : isZlibHeader(first)
        ? zlib.createInflate()
        : zlib.createInflateRaw();
}
