/**
 * What a graceful shutdown needs to know about a server's connections (DESIGN.md, "Shutdown"):
 * the requests and WebSockets in flight, and every socket still open. Node's own
 * `closeAllConnections()` does not see upgraded sockets, so a WebSocket left open kept
 * `server.close()` waiting for ever; here every connection is tracked from its first byte.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ConnectionTracker {
  /**
   * Keep-alive ends: idle connections close now, busy ones once their response is done, and
   * responses not yet started say `Connection: close`. Resolves when no request or WebSocket
   * is in flight any more — at once when none is.
   */
  drain(): Promise<void>;
  /** Destroys every connection still open (the grace period is over). */
  destroyAll(): void;
}

/** Starts tracking `server`'s connections; call before it accepts any. */
export function trackConnections(server: http.Server | https.Server): ConnectionTracker {
  const sockets = new Set<Socket>();
  const responses = new Set<http.ServerResponse>();
  const tunnels = new Set<Duplex>();
  let draining = false;
  let drained: (() => void) | undefined;

  const settle = () => {
    if (!draining) return;
    // A connection whose last response just finished is idle now: close it too.
    server.closeIdleConnections();
    if (responses.size === 0 && tunnels.size === 0) drained?.();
  };

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    responses.add(res);
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('close', () => {
      responses.delete(res);
      settle();
    });
  });
  server.on('upgrade', (_req: http.IncomingMessage, socket: Duplex) => {
    tunnels.add(socket);
    socket.once('close', () => {
      tunnels.delete(socket);
      settle();
    });
  });

  return {
    drain() {
      draining = true;
      for (const res of responses) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
      }
      const done = new Promise<void>((resolve) => {
        drained = resolve;
      });
      settle();
      return done;
    },
    destroyAll() {
      server.closeAllConnections();
      for (const socket of tunnels) socket.destroy();
      // Raw sockets too: a TLS handshake or a request head still under way has no request.
      for (const socket of sockets) socket.destroy();
    },
  };
}
