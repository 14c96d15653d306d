/**
 * `timeouts.idle` on a client's upload that is forwarded: a pause between chunks longer than
 * `ms` cuts the request (and its connection), however long the upload takes in total. A slow
 * client that sends a byte now and then can no longer hold a connection and an upstream
 * request open for ever; a large upload that keeps coming is never cut.
 */
import type { IncomingMessage } from 'node:http';
import { HelpgateError } from '../errors.js';

/** Watches `req`'s body until it has arrived (0: no limit). */
export function limitUploadIdle(req: IncomingMessage, ms: number): void {
  if (req.complete || ms <= 0) return;
  const socket = req.socket;
  // The socket's own inactivity timer: it restarts on every read and write, and Node hands its
  // expiry to the request as 'timeout' only while the request is still incomplete.
  req.setTimeout(ms, () => req.destroy(new HelpgateError('HG_ERR_BODY_TIMEOUT')));
  req.once('end', () => {
    // Node's keep-alive timer may have replaced this one since (an early answer): keep it.
    if (socket.timeout === ms) socket.setTimeout(0);
  });
}
