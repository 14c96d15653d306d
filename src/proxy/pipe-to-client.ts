import type { ServerResponse } from 'node:http';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { UpstreamResponse } from './forwarder.js';
import { classifyUpstreamError, logProxyError, sendProxyError } from './send-proxy-error.js';

/**
 * Sends an upstream response to the browser unchanged, streaming with backpressure. A failure
 * mid-body destroys the client connection (never a silently truncated response); a client
 * that goes away cancels the upstream request.
 */
export function pipeToClient(
  res: ServerResponse,
  upstream: UpstreamResponse,
  logger: Logger,
): void {
  const body = upstream.body;
  try {
    res.writeHead(upstream.status, upstream.headers);
  } catch (error) {
    // Node refuses a status or header value it cannot send (e.g. a control character).
    body.on('error', () => {}).destroy();
    const hgError = new HelpgateError('HG_ERR_UPSTREAM_BAD_RESPONSE', {}, { cause: error });
    sendProxyError(res.req, res, hgError, logger);
    return;
  }
  // `pipe` and three listeners rather than `stream.pipeline`: pipeline's per-call
  // AbortController and end-of-stream bookkeeping cost more than a small body's whole relay.
  const onClientClose = () => {
    // Destroying the undici body cancels the upstream request.
    if (!res.writableFinished) body.destroy();
  };
  body.on('error', (error) => {
    res.off('close', onClientClose);
    const clientAborted = res.destroyed || res.socket === null || res.socket.destroyed;
    logProxyError(logger, res.req, classifyUpstreamError(error), error, clientAborted);
    res.destroy();
  });
  res.once('close', onClientClose);
  // Without a listener of its own, an error on the response would be rethrown by `pipe`.
  res.once('error', () => body.destroy());
  body.pipe(res);
}
