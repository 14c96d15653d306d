import type { IncomingMessage } from 'node:http';

/** Largest request body the shop reads; a larger one is answered with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body. Resolves `null` as soon as the body is
 * larger than `limitBytes` (the rest is drained and discarded so the 413 can still be sent);
 * a body of another type reads as an empty form.
 */
export function readForm(
  req: IncomingMessage,
  limitBytes = MAX_BODY_BYTES,
): Promise<URLSearchParams | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.resolve(null);
  }
  const isForm = (req.headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/x-www-form-urlencoded');

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.resume();
        resolve(null);
        return;
      }
      if (isForm) chunks.push(chunk);
    };
    const onEnd = (): void => {
      resolve(new URLSearchParams(isForm ? Buffer.concat(chunks).toString('utf8') : ''));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    // An aborted upload has nobody left to answer; an empty form keeps the handler simple.
    req.on('error', () => resolve(new URLSearchParams()));
  });
}
