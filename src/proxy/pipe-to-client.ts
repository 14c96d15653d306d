import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
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
  try {
    res.writeHead(upstream.status, upstream.headers);
  } catch (error) {
    // Node refuses a status or header value it cannot send (e.g. a control character).
    upstream.body.on('error', () => {}).destroy();
    const hgError = new HelpgateError('HG_ERR_UPSTREAM_BAD_RESPONSE', {}, { cause: error });
    sendProxyError(res.req, res, hgError, logger);
    return;
  }
  pipeline(upstream.body, res, (error) => {
    if (!error) return;
    const clientAborted = (error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE';
    logProxyError(logger, res.req, classifyUpstreamError(error), error, clientAborted);
    res.destroy();
  });
}
