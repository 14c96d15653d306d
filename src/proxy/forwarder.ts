/**
 * The forwarder: sends a visitor's request to the configured upstream origin over one undici
 * keep-alive pool and hands back a response whose headers are ready for the browser. Request
 * and response bodies stream; nothing is buffered. Only the upstream origin is ever contacted:
 * the pool is bound to it, whatever the request target says.
 */

import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Pool } from 'undici';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { clientResponseHeaders, upgradeResponseHead, upstreamRequestHeaders } from './headers.js';
import { limitUploadIdle } from './limit-upload-idle.js';
import { peerIsTrusted, type VisitorOrigin } from './request-origin.js';
import { classifyUpstreamError, logProxyError, rawErrorResponse } from './send-proxy-error.js';

/** An upstream answer, ready for the browser. */
export interface UpstreamResponse {
  status: number;
  /** Client-ready: hop-by-hop fields removed, Location aimed at the visitor's origin. */
  headers: OutgoingHttpHeaders;
  /** The body as it arrives; destroying it cancels the upstream request. */
  body: Readable;
}

/** Per-request choices of the orchestrator. */
export interface SendOptions {
  /** The visitor's origin and address ({@link requestOrigin}). */
  origin: VisitorOrigin;
  /** Remove Range and If-Range, so a page that will be rewritten comes back whole. */
  dropRange?: boolean;
  /**
   * Cookies removed from the Cookie header sent upstream besides helpgate's own, which never
   * cross the proxy either way (see `HELPGATE_COOKIES`).
   */
  dropCookies?: readonly string[];
  /**
   * Aborts the upstream request (e.g. when the visitor disconnects): an AbortSignal, or an
   * EventEmitter that emits `'abort'` (cheaper per request than an AbortController).
   */
  signal?: AbortSignal | EventEmitter;
}

/** Forwards requests and upgrades to `config.upstream`. */
export interface Forwarder {
  /**
   * Sends `req` upstream and resolves once the response headers arrived. Rejects with the
   * upstream's error (map it with `classifyUpstreamError` / `sendProxyError`).
   */
  send(req: IncomingMessage, options: SendOptions): Promise<UpstreamResponse>;
  /** Passes an HTTP upgrade (WebSocket) through to the upstream; answers errors on `socket`. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, origin: VisitorOrigin): void;
  /**
   * Closes the pool once in-flight requests are done, and ends upgraded tunnels — unless
   * `keepTunnels` (a config reload: WebSockets already open stay open).
   */
  close(options?: { keepTunnels?: boolean }): Promise<void>;
}

/**
 * The path to request upstream for a request target. Origin-form passes unchanged — also
 * `//evil.example/x`, which is a path on the upstream, never another host. Absolute-form
 * (RFC 9112 §3.2.2, `GET http://evil.example/x`) is reduced to its path and query and sent
 * to the upstream: the pool is bound to the upstream origin, so the authority in the target
 * cannot choose where helpgate connects. Other forms (`*`, authority-form) are refused.
 */
export function upstreamPath(target: string): string {
  if (target.startsWith('/')) return target;
  if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      return `${url.pathname}${url.search}`;
    } catch {
      // falls through to the refusal
    }
  }
  throw new HelpgateError('HG_ERR_BAD_REQUEST', { reason: 'unsupported request target' });
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** Extra CAs for an https upstream: Node's bundled roots plus the configured PEM file. */
function upstreamCas(config: Config): string[] | undefined {
  if (!config.upstreamCa) return undefined;
  let pem: string;
  try {
    pem = readFileSync(config.upstreamCa, 'utf8');
  } catch (error) {
    throw new HelpgateError(
      'HG_ERR_CONFIG_FILE',
      { value: config.upstreamCa, reason: (error as Error).message },
      { cause: error },
    );
  }
  return [...rootCertificates, pem];
}

/** A forwarder for `config.upstream` with the configured timeouts and CAs. */
export function createForwarder(config: Config, deps: { logger: Logger }): Forwarder {
  const { logger } = deps;
  const upstreamOrigin = config.upstream.origin;
  const ca = upstreamCas(config);
  const pool = new Pool(upstreamOrigin, {
    connect: { timeout: config.timeouts.connect, ...(ca ? { ca } : {}) },
    headersTimeout: config.timeouts.headers,
    bodyTimeout: config.timeouts.idle,
  });
  const tunnels = new Set<Duplex>();
  const onRequestError = (error: Error) =>
    logger.debug({ err: error.message }, 'request stream error');

  function hostFor(req: IncomingMessage, origin: VisitorOrigin): string {
    return config.preserveHost ? (req.headers.host ?? origin.host) : config.upstream.host;
  }

  async function send(req: IncomingMessage, options: SendOptions): Promise<UpstreamResponse> {
    if (req.method === 'CONNECT') throw new HelpgateError('HG_ERR_METHOD_NOT_ALLOWED');
    const path = upstreamPath(req.url ?? '/');
    // The body stream reports a visitor that disconnects mid-upload; undici aborts the
    // upstream request on it, so here it only needs a listener to not crash the process.
    req.on('error', onRequestError);
    const headers = upstreamRequestHeaders(req.rawHeaders, {
      origin: options.origin,
      host: hostFor(req, options.origin),
      peerTrusted: peerIsTrusted(req, config),
      dropRange: options.dropRange,
      dropCookies: options.dropCookies,
    });
    const withBody = hasBody(req);
    if (withBody) limitUploadIdle(req, config.timeouts.idle);
    const response = await pool.request({
      path,
      method: req.method ?? 'GET',
      headers,
      body: withBody ? req : null,
      signal: options.signal,
      responseHeaders: 'raw',
    });
    const body = response.body as unknown as Readable;
    return {
      status: response.statusCode,
      headers: clientResponseHeaders(
        response.headers as unknown as string[],
        upstreamOrigin,
        options.origin,
      ),
      body,
    };
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, origin: VisitorOrigin) {
    const controller = new AbortController();
    const onEarlyClose = () => controller.abort();
    socket.on('error', (error) => logger.debug({ err: error.message }, 'client socket error'));
    socket.once('close', onEarlyClose);
    const fail = (error: unknown) => {
      socket.off('close', onEarlyClose);
      const hgError = classifyUpstreamError(error);
      logProxyError(logger, req, hgError, error, socket.destroyed);
      if (!socket.destroyed) socket.end(rawErrorResponse(hgError));
    };
    let path: string;
    try {
      path = upstreamPath(req.url ?? '/');
    } catch (error) {
      fail(error);
      return;
    }
    const headers = upstreamRequestHeaders(req.rawHeaders, {
      origin,
      host: hostFor(req, origin),
      peerTrusted: peerIsTrusted(req, config),
    });
    pool
      .upgrade({
        path,
        method: req.method ?? 'GET',
        headers,
        protocol: req.headers.upgrade ?? 'websocket',
        signal: controller.signal,
        responseHeaders: 'raw',
      })
      .then(({ headers: raw, socket: upstream }) => {
        socket.off('close', onEarlyClose);
        upstream.on('error', (error) =>
          logger.debug({ err: error.message }, 'upstream tunnel error'),
        );
        if (socket.destroyed) {
          upstream.destroy();
          return;
        }
        const fallback = req.headers.upgrade ?? 'websocket';
        socket.write(upgradeResponseHead(raw as unknown as string[], fallback), 'latin1');
        if (head.length > 0) upstream.write(head);
        tunnel(socket, upstream);
      }, fail);
  }

  function tunnel(client: Duplex, upstream: Duplex) {
    tunnels.add(client).add(upstream);
    const end = () => {
      tunnels.delete(client);
      tunnels.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end);
    upstream.once('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async function close(options: { keepTunnels?: boolean } = {}) {
    if (!options.keepTunnels) {
      for (const stream of tunnels) stream.destroy();
      tunnels.clear();
    }
    await pool.close();
  }

  return { send, upgrade, close };
}
