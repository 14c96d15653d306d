/**
 * The one connection to Redis of a helpgate process (`store: { kind: redis, url, keyPrefix,
 * timeout }`): ioredis with the key prefix, a timeout on every command, reconnection with
 * backoff, and a health state for `healthz`. It logs one line per change of state (connected,
 * lost, back), never per request, so an outage cannot flood the log.
 */
import { Redis, ReplyError } from 'ioredis';
import type { Milliseconds } from '../config/units.js';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StoreHealth } from './store-health.js';

export interface RedisConnectionOptions {
  /** `redis://` or `rediss://`, with user, password and database as Redis URLs take them. */
  url: string;
  /** Put before every key, so several sites (or tests) can share one Redis. */
  keyPrefix: string;
  /** How long any command may take before it fails (and the store counts as unavailable). */
  timeoutMs: Milliseconds;
  logger: Logger;
  /** Reconnection delays: the first, doubled on each failure up to the cap (defaults 50 ms, 2 s). */
  backoff?: { firstMs: Milliseconds; maxMs: Milliseconds };
}

export interface RedisConnection {
  /** The client, its key prefix applied; call it through {@link RedisConnection.run}. */
  readonly redis: Redis;
  /** The key prefix, for scripts that build key names themselves. */
  readonly keyPrefix: string;
  /** `ok` once Redis answers; `unavailable` with the reason while it cannot be reached. */
  health(): StoreHealth;
  /**
   * Runs commands, turning any failure into HG_ERR_STORE_UNAVAILABLE (with `reason`) and
   * keeping the health state: a timeout or a lost connection makes the store unavailable, an
   * answer makes it available again.
   */
  run<T>(commands: (redis: Redis) => Promise<T>): Promise<T>;
  /**
   * Resolves once Redis answers (at once when it does already). Commands sent before fail
   * rather than wait; a caller that must not start without the store awaits this.
   */
  ready(): Promise<void>;
  /** Ends the connection (no reconnection after it). */
  close(): Promise<void>;
}

const NOT_CONNECTED = 'not connected';
const DEFAULT_BACKOFF = { firstMs: 50, maxMs: 2_000 };

export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const { logger, timeoutMs } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const redis = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1_000),
    // A hung server keeps the socket open: with commands waiting and no byte back for this
    // long, the socket is dropped and the reconnection (with its ready check) takes over.
    socketTimeout: Math.max(2 * timeoutMs, 1_000),
    // While Redis is away a command fails at once instead of queueing: a heartbeat gets its
    // 503 and a page goes out without waiting, and no backlog builds up during an outage.
    enableOfflineQueue: false,
    // A command whose reply was lost may or may not have run; replaying it after the
    // reconnection could write an old session over a newer one. It fails instead.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    // Commands issued in one turn of the event loop (fifty heartbeats' GETs, say) leave in one
    // write and their replies come back in one read: fewer system calls per command, in
    // helpgate and in Redis, measured in bench/workers.mjs.
    enableAutoPipelining: true,
    retryStrategy: (times) =>
      Math.min(backoff.firstMs * 2 ** Math.min(times - 1, 20), backoff.maxMs) +
      Math.floor(Math.random() * backoff.firstMs),
  });
  const where = describe(options.url);

  let health: StoreHealth = { status: 'unavailable', reason: 'connecting' };
  let everConnected = false;
  let unreachableLogged = false;
  let lostAt = 0;
  let lastError: string | undefined;
  let closing = false;

  function available(): void {
    if (health.status === 'ok' || closing) return;
    health = { status: 'ok' };
    if (!everConnected) {
      everConnected = true;
      logger.info({ store: 'redis', at: where }, 'store: connected to Redis');
    } else {
      logger.info({ store: 'redis', at: where, downMs: Date.now() - lostAt }, 'store: Redis back');
    }
  }

  function unavailable(reason: string): void {
    if (closing) return;
    if (health.status === 'ok') {
      lostAt = Date.now();
      logger.warn({ store: 'redis', at: where, reason }, 'store: Redis lost; reconnecting');
    } else if (!everConnected && !unreachableLogged && reason !== 'connecting') {
      unreachableLogged = true;
      logger.warn(
        { store: 'redis', at: where, reason },
        'store: Redis unreachable; retrying with backoff (pages are served meanwhile)',
      );
    }
    health = { status: 'unavailable', reason };
  }

  redis.on('ready', available);
  // Without a listener ioredis prints every connection error to the console.
  redis.on('error', (error: Error) => {
    lastError = reasonOf(error, timeoutMs);
  });
  redis.on('close', () => unavailable(lastError ?? 'connection closed'));
  redis.on('connect', () => {
    lastError = undefined;
  });

  return {
    redis,
    keyPrefix: options.keyPrefix,
    health: () => health,
    async ready() {
      // Not events.once: it would reject on the connection errors that come before.
      if (health.status !== 'ok') await new Promise((resolve) => redis.once('ready', resolve));
    },
    async run(commands) {
      try {
        const result = await commands(redis);
        available();
        return result;
      } catch (error) {
        let reason = reasonOf(error, timeoutMs);
        if (reason === NOT_CONNECTED && health.status === 'unavailable') {
          // Refused while reconnecting: the connection's own reason says more.
          reason = health.reason;
        } else if (!(error instanceof ReplyError)) {
          // An error reply is Redis answering (out of memory, say): the connection is fine.
          unavailable(reason);
        }
        throw new HelpgateError('HG_ERR_STORE_UNAVAILABLE', { reason }, { cause: error });
      }
    },
    async close() {
      closing = true;
      health = { status: 'unavailable', reason: 'closed' };
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

/**
 * A short reason for health and logs, without addresses or credentials (healthz is public).
 */
function reasonOf(error: unknown, timeoutMs: Milliseconds): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && /^E[A-Z]+$/.test(code)) return `cannot connect (${code})`;
  if (error.message === 'Command timed out') return `no answer within ${timeoutMs} ms`;
  if (error.message.startsWith('Socket timeout')) return 'no answer; connection dropped';
  // A command still waiting when the connection dropped (ioredis's MaxRetriesPerRequestError).
  if (error.message.startsWith('Reached the max retries')) return 'no answer; connection dropped';
  if (error.message.startsWith("Stream isn't writeable")) return NOT_CONNECTED;
  if (error instanceof ReplyError) return `error reply: ${error.message.split(' ')[0]}`;
  return error.message.slice(0, 200);
}

/** `host:port/db` of a Redis URL, for logs: never the user or password. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return 'redis';
  }
}

/** The connection a config's `store: { kind: redis, … }` asks for. */
export function redisConnectionFor(
  store: { url: string; keyPrefix: string; timeout: Milliseconds },
  logger: Logger,
): RedisConnection {
  return createRedisConnection({
    url: store.url,
    keyPrefix: store.keyPrefix,
    timeoutMs: store.timeout,
    logger,
  });
}
