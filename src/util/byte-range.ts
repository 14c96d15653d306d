/**
 * Reads a `Range` request header (RFC 9110 §14.2) against a representation of known size.
 * One range is served as asked; several are read as no range at all, which the RFC allows and
 * which spares a multipart body that no media element asks for.
 */

/** What to send: the whole body, one byte range of it (inclusive), or 416. */
export type ByteRange =
  | { readonly kind: 'whole' }
  | { readonly kind: 'range'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const WHOLE: ByteRange = { kind: 'whole' };
const SPEC = /^(\d*)-(\d*)$/;

/**
 * The range `header` asks of `size` bytes. A header that does not parse, uses another unit
 * or lists several ranges gets the whole body (§14.2: a server MAY ignore Range); a single
 * range that starts past the end, or a suffix of zero bytes, is unsatisfiable.
 */
export function byteRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return WHOLE;
  const equals = header.indexOf('=');
  if (equals === -1 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return WHOLE;
  const specs = header.slice(equals + 1).split(',');
  if (specs.length !== 1) return WHOLE;
  const match = SPEC.exec(specs[0]!.trim());
  if (match === null) return WHOLE;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return WHOLE;
  if (first === '') {
    // A suffix: the last N bytes (all of them when N is larger than the body).
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return WHOLE;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}
