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
 * Gives a request to an own route `ms` for its whole body, read or not (0: no limit). A body
 * that has not arrived by then is cut: 408 with `Connection: close` when no answer went out
 * yet, else the connection is closed. A client trickling a heartbeat byte by byte, or
 * declaring a length it never sends, holds a connection this long and no longer.
 */
export function limitBodyTime(req: IncomingMessage, res: ServerResponse, ms: number): void {
  // `complete` is the parser's: true as soon as the whole message arrived, consumed or not.
  if (req.complete || ms <= 0) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    // The answer goes out, then the connection closes (Connection: close): the rest of the
    // body is never waited for.
    sendError(res, new HelpgateError('HG_ERR_BODY_TIMEOUT'), { Connection: 'close' });
  }, ms);
  // Never keeps the process up on its own; the socket's close ends it in any case.
  timer.unref();
  const socket = req.socket;
  const clear = () => {
    clearTimeout(timer);
    req.off('end', clear);
    req.off('close', clear);
    socket.off('close', clear);
  };
  // Not on the response's end: Node keeps reading (and discarding) a body the handler left.
  req.once('end', clear);
  req.once('close', clear);
  socket.once('close', clear);
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
