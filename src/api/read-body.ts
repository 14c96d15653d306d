/**
 * Reads a small request body with a hard byte limit, without ever buffering more than the
 * limit: a declared Content-Length over it is refused before reading, a stream that grows
 * past it is abandoned at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HelpgateError } from '../errors.js';
import { mediaTypeOf } from '../util/media-type.js';
import { sendError } from './respond.js';

export type BodyResult =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too-large' }
  /** The client went away; there is no one to answer. */
  | { kind: 'aborted' };

export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.resolve({ kind: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      // The error listener stays: a socket error after this point must not go unhandled.
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: 'ok', body: Buffer.concat(chunks, size) });
    const onAbort = () => finish({ kind: 'aborted' });
    const onClose = () => {
      if (!req.complete) finish({ kind: 'aborted' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

/**
 * Reads an admin API's JSON body: `application/json` (else 415), at most `limit` bytes (else
 * `tooLarge`, and the connection closes rather than draining the rest), valid JSON (else 400).
 * Resolves with the parsed value, or `undefined` once an error answer went out (or the client
 * went away).
 */
export async function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  tooLarge: HelpgateError,
): Promise<{ json: unknown } | undefined> {
  if (mediaTypeOf(req.headers['content-type']) !== 'application/json') {
    sendError(res, new HelpgateError('HG_ERR_API_CONTENT_TYPE'));
    return undefined;
  }
  const read = await readBody(req, limit);
  if (read.kind === 'aborted') return undefined;
  if (read.kind === 'too-large') {
    sendError(res, tooLarge, { Connection: 'close' });
    return undefined;
  }
  try {
    return { json: JSON.parse(read.body.toString('utf8')) };
  } catch {
    sendError(res, new HelpgateError('HG_ERR_API_BAD_JSON'));
    return undefined;
  }
}
