/**
 * The listening side of `helpgate start`: an HTTP or HTTPS server around a {@link Helpgate},
 * graceful shutdown, and live reload of the config and TLS files (SIGHUP).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createHelpgate, type Helpgate, type HelpgateOptions } from '../app.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { sharedPartsFor } from '../store/shared-parts-for.js';
import { systemClock } from '../util/clock.js';
import { restartOnlyChanges } from './restart-only-changes.js';
import { trackConnections } from './track-connections.js';

export interface RunningServer {
  readonly url: string;
  readonly server: http.Server | https.Server;
  /** The instance currently answering requests (changes on reload). */
  current(): Helpgate;
  /**
   * Swaps in a new config; the session store carries over with the new `session` bounds.
   * Logs a warning for each changed key that needs a restart ({@link restartOnlyChanges}).
   * Throws when the TLS files fail.
   */
  reload(config: Config): Promise<void>;
  /**
   * Stops accepting, lets in-flight requests and WebSockets finish (up to
   * `timeouts.shutdownGrace`, at once when none is in flight), then closes what is left.
   */
  close(): Promise<void>;
}

/** Starts listening as the config says and resolves once connections are accepted. */
export async function startServer(
  config: Config,
  options: HelpgateOptions & { logger: Logger },
): Promise<RunningServer> {
  // The stores belong to the server, not to an instance: a reload closes the previous
  // instance, and the sessions (and with Redis every shared part) must outlive it.
  const shared =
    options.store === undefined
      ? await sharedPartsFor(config, {
          clock: options.clock ?? systemClock,
          logger: options.logger,
        })
      : undefined;
  const store = options.store ?? shared!.store;
  let helpgate = createHelpgate(config, {
    metrics: createMetrics(),
    ...shared?.parts,
    ...options,
    store,
  });
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) =>
    helpgate.handleRequest(req, res);
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
    helpgate.handleUpgrade(req, socket, head);

  const tls = config.listen.tls;
  const timing: http.ServerOptions = {
    // No bound on a whole request: a large upload may take its time as long as it keeps
    // coming (timeouts.idle); own routes bound their bodies themselves (timeouts.body).
    requestTimeout: 0,
    headersTimeout: config.timeouts.clientHeaders,
    // Node looks for expired request heads on this interval (30 s by default): often enough
    // that a head is cut within a second of its limit.
    connectionsCheckingInterval: headsCheckInterval(config.timeouts.clientHeaders),
    keepAliveTimeout: 65_000,
  };
  const server = tls
    ? https.createServer({ ...readTls(tls), ...timing }, onRequest)
    : http.createServer(timing, onRequest);
  server.maxConnections = config.listen.maxConnections;
  warnOnDroppedConnections(server, options.logger);
  const connections = trackConnections(server);
  server.on('upgrade', onUpgrade);
  server.on('connect', (req: http.IncomingMessage, socket: Duplex) =>
    helpgate.handleConnect(req, socket),
  );
  // A malformed request line or header never reaches a handler; answer it and move on. A
  // request head that took longer than timeouts.clientHeaders comes here too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) socket.destroy();
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end(REQUEST_TIMEOUT);
    else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;

  return {
    url,
    server,
    current: () => helpgate,
    async reload(next) {
      if (next.listen.tls && server instanceof https.Server) {
        server.setSecureContext(readTls(next.listen.tls));
      }
      // Compared with the start-up config: a change not applied yet is named on every reload.
      for (const key of restartOnlyChanges(config, next)) {
        options.logger.warn({ key }, `${key} changed; restart to apply`);
      }
      // The logger outlives instances: the one the command line made is given the new level.
      options.logger.level = next.log.level;
      server.headersTimeout = next.timeouts.clientHeaders;
      server.maxConnections = next.listen.maxConnections;
      const previous = helpgate;
      helpgate = createHelpgate(next, {
        ...options,
        store,
        profiles: previous.profiles,
        learning: previous.learning,
        capacity: previous.capacity,
        metrics: previous.metrics,
        conversations: previous.conversations,
        consoleSessions: previous.consoleSessions,
        stats: previous.stats,
      });
      // WebSockets and event streams opened through the previous instance stay open.
      await previous.close({ handOver: true });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Event streams would hold the wait below for the whole grace: they end at once, with a
      // `retry:` hint so browsers reconnect (to another instance, or this one restarted).
      helpgate.closeStreams();
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        connections.drain(),
        new Promise<void>((resolve) => {
          grace = setTimeout(resolve, helpgate.config.timeouts.shutdownGrace);
        }),
      ]);
      clearTimeout(grace);
      connections.destroyAll();
      await closed;
      await helpgate.close();
      await shared?.close();
      await store.close();
    },
  };
}

function headsCheckInterval(clientHeadersMs: number): number {
  if (clientHeadersMs <= 0) return 30_000;
  return Math.min(1_000, Math.max(50, Math.floor(clientHeadersMs / 4)));
}

const REQUEST_TIMEOUT =
  'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * One warning when `listen.maxConnections` first turns connections away, then at most one a
 * minute with the count: a flood must not multiply log lines.
 */
function warnOnDroppedConnections(server: http.Server | https.Server, logger: Logger): void {
  let dropped = 0;
  let quietUntil = 0;
  server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now < quietUntil) return;
    quietUntil = now + 60_000;
    logger.warn(
      { dropped, maxConnections: server.maxConnections },
      'listen.maxConnections reached: new connections are closed at once',
    );
    dropped = 0;
  });
}

function readTls(tls: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(tls.cert), key: readFileSync(tls.key) };
}
