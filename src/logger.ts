/**
 * The one place pino is used. Every log line is one JSON object on stdout (or the given
 * destination); other modules receive a {@link Logger} and never import pino themselves.
 */
import { pino } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Logger {
  level: string;
  fatal(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  trace(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A JSON-lines logger; `destination` defaults to stdout (fd 1), written synchronously. */
export function createLogger(
  level: LogLevel = 'info',
  destination?: NodeJS.WritableStream | { write(line: string): void },
): Logger {
  const stream = destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    { level, base: { name: 'helpgate' }, timestamp: pino.stdTimeFunctions.isoTime },
    stream as pino.DestinationStream,
  ) as unknown as Logger;
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return createLogger('silent');
}
