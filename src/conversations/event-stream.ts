/**
 * One Server-Sent Events response, written as proxies and load balancers in front of helpgate
 * need it: never cached, compressed or buffered, and never idle long enough for them to cut it
 * (nginx and ELB close idle connections at 60 s, Cloudflare at 100 s).
 */
import type { ServerResponse } from 'node:http';
import type { Milliseconds } from '../config/units.js';

/** A comment line goes out at least this often while nothing else does. */
export const KEEP_ALIVE_MS: Milliseconds = 15_000;

export interface EventStream {
  /** Writes one event; `id` (omitted for `typing`) is what a reconnect names. */
  send(event: string, data: unknown, id?: string): void;
  /**
   * Ends the stream. With `retryMs`, first tells the browser when to reconnect (shutdown:
   * soon, to another instance).
   */
  close(retryMs?: Milliseconds): void;
  /** Called once, when the stream ends for any reason (the client went, or `close`). */
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

export interface EventStreamOptions {
  keepAliveMs?: Milliseconds;
  /** The reconnect delay a browser's EventSource uses after an error. */
  retryMs?: Milliseconds;
}

/** Starts the event stream on `res` (status 200 and its headers go out at once). */
export function openEventStream(
  res: ServerResponse,
  options: EventStreamOptions = {},
): EventStream {
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    // no-transform: a compressing proxy would hold events back until its buffer fills.
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    'X-Content-Type-Options': 'nosniff',
  });
  res.socket?.setNoDelay(true);
  // The first bytes tell a buffering intermediary that this response streams.
  res.write(options.retryMs === undefined ? ':\n\n' : `retry: ${options.retryMs}\n\n`);

  let closed = false;
  const listeners: Array<() => void> = [];
  let lastWrite = Date.now();
  const keepAlive = setInterval(
    () => {
      if (Date.now() - lastWrite >= keepAliveMs - 5) write(':\n\n');
    },
    Math.max(10, Math.floor(keepAliveMs / 3)),
  );
  keepAlive.unref();

  function write(text: string): void {
    if (closed) return;
    lastWrite = Date.now();
    res.write(text);
  }

  function finish(): void {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    for (const listener of listeners.splice(0)) listener();
  }
  res.once('close', finish);

  return {
    send(event, data, id) {
      // JSON never holds a raw line break, so one `data:` line carries the whole payload.
      const idLine = id === undefined ? '' : `id: ${id.replace(/[\r\n]/g, '')}\n`;
      write(`event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`);
    },
    close(retryMs) {
      if (closed) return;
      if (retryMs !== undefined) write(`retry: ${Math.round(retryMs)}\n\n`);
      res.end();
      finish();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    get closed() {
      return closed;
    },
  };
}
