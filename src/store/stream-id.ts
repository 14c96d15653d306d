/**
 * Redis Stream entry ids (`<ms>-<seq>`) as the opaque `Last-Event-ID` values of a conversation's
 * log: checked before they reach Redis, and compared in order without losing precision.
 */

const STREAM_ID = /^(0|[1-9]\d{0,15})-(0|[1-9]\d{0,15})$/;

/** Whether `id` has the form of a stream id (anything else a browser sends gets a `reset`). */
export function isStreamId(id: string): boolean {
  return STREAM_ID.test(id);
}

/** Negative, zero or positive as `a` comes before, is, or comes after `b`. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = '0', aSeq = '0'] = a.split('-');
  const [bMs = '0', bSeq = '0'] = b.split('-');
  // Ids here are well formed (no leading zeros), so longer means larger.
  return aMs.length - bMs.length || cmp(aMs, bMs) || aSeq.length - bSeq.length || cmp(aSeq, bSeq);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
