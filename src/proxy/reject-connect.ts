import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ALLOWED_METHODS, errorPage, logProxyError } from './send-proxy-error.js';

/**
 * The `connect` handler of the HTTP server: helpgate is a reverse proxy, not a tunnel, so
 * CONNECT gets 405 (Node would otherwise drop the connection without an answer).
 */
export function rejectConnect(req: IncomingMessage, socket: Duplex, logger: Logger): void {
  socket.on('error', () => {});
  const error = new HelpgateError('HG_ERR_METHOD_NOT_ALLOWED');
  logProxyError(logger, req, error, error);
  const body = errorPage(error);
  socket.end(
    'HTTP/1.1 405 Method Not Allowed\r\n' +
      `Allow: ${ALLOWED_METHODS}\r\n` +
      'Content-Type: text/html; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
