/**
 * The request path, thin on purpose: an own route under the prefix is answered here; anything
 * else is forwarded; an HTML document comes back through the rewrite steps; the page view is
 * recorded in the visitor's session. The logic lives in the parts this file wires together.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ApiRouter, createApiRouter } from './api/router.js';
import { type Capacity, createCapacity } from './capacity/capacity.js';
import type { Config } from './config/schema.js';
import { type ConsoleSessions, createConsoleSessions } from './console/console-sessions.js';
import { createStats, type Stats } from './console/stats/create-stats.js';
import { observeForStats } from './console/stats/observe-for-stats.js';
import type { Conversations } from './conversations/conversation-service.js';
import { conversationsFor } from './conversations/create-conversations-for.js';
import { createLearning, type Learning } from './learning/learning.js';
import { createLogger, type Logger } from './logger.js';
import { observeParts } from './metrics/metric-hooks.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { type CustomerHook, createCustomerHook } from './profiles/customer-hook.js';
import { createProfileStore, type ProfileStore } from './profiles/profile-store.js';
import { createStateFile, type StateFile } from './profiles/state-file.js';
import { checkHostHeader } from './proxy/check-host-header.js';
import { createForwarder, type Forwarder, upstreamPath } from './proxy/forwarder.js';
import { pipeToClient } from './proxy/pipe-to-client.js';
import { rejectConnect } from './proxy/reject-connect.js';
import { requestOrigin, type VisitorOrigin } from './proxy/request-origin.js';
import {
  classifyUpstreamError,
  logProxyError,
  rawErrorResponse,
  sendProxyError,
} from './proxy/send-proxy-error.js';
import { isRewritableRequest, responseRewritability } from './rewrite/is-rewritable.js';
import { createRewriter, type Rewriter } from './rewrite/rewrite-response.js';
import { hasConsent } from './session/has-consent.js';
import { sessionStoreFor } from './session/session-store-for.js';
import { createSessions, type Sessions } from './session/sessions.js';
import type { SessionStore } from './session/store.js';
import { createVisitorCookies, type VisitorCookies } from './session/visitor-cookie.js';
import { makeSharedCacheSafe, makeUncacheable } from './util/cache-control.js';
import { type Clock, systemClock } from './util/clock.js';
import { compileExclude } from './util/glob.js';

/** What {@link createHelpgate} needs besides the config; every part has a production default. */
export interface HelpgateOptions {
  clock?: Clock;
  logger?: Logger;
  /** The session store; defaults to the bounded in-memory store. Shared across config reloads. */
  store?: SessionStore;
  /**
   * Saved customer profiles; defaults to the memory store saved in `state.file`. Pass the
   * previous instance's on a config reload, so profiles carry over unsaved changes included.
   */
  profiles?: ProfileStore;
  /** Learned thresholds; pass the previous instance's on a reload (with `profiles`). */
  learning?: Learning;
  /** Agents, conversations and the help queue; pass the previous instance's on a reload. */
  capacity?: Capacity;
  /** The Prometheus registry; pass the previous instance's on a reload, so counters go on. */
  metrics?: Metrics;
  /** Conversations and their event logs; pass the previous instance's on a reload. */
  conversations?: Conversations;
  /**
   * Console logins; pass the previous instance's on a reload: it keeps the logins whose token
   * is unchanged and ends (with their event streams) those of removed or changed tokens.
   */
  consoleSessions?: ConsoleSessions;
  /** The supervisor's per-minute statistics; pass the previous instance's on a reload. */
  stats?: Stats;
}

/** A helpgate instance: Node request and upgrade handlers plus an orderly close. */
export interface Helpgate {
  readonly config: Config;
  readonly store: SessionStore;
  readonly profiles: ProfileStore;
  readonly learning: Learning;
  readonly capacity: Capacity;
  readonly metrics: Metrics;
  readonly conversations: Conversations;
  readonly consoleSessions: ConsoleSessions;
  readonly stats: Stats;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** CONNECT: helpgate is no tunnel, so it answers 405. */
  handleConnect(req: IncomingMessage, socket: Duplex): void;
  /**
   * Ends open event streams (with a `retry:` hint), stops upstream connections and saves state
   * (profiles included). With `handOver` (a config reload), what the next instance takes on —
   * WebSockets, event streams, the session store, the conversations — stays open.
   */
  close(options?: { handOver?: boolean }): Promise<void>;
  /**
   * Ends every open event stream now, telling browsers to reconnect after `retryMs` (to another
   * instance, or this one once it is back): shutdown does this before it waits for requests.
   */
  closeStreams(retryMs?: number): void;
}

/** Builds helpgate from a resolved config. Tests build it here; only CLI tests spawn the binary. */
export function createHelpgate(config: Config, options: HelpgateOptions = {}): Helpgate {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log.level);
  const ownsStore = options.store === undefined;
  const store = options.store ?? sessionStoreFor(config, clock, logger);
  // A store handed in (the server's, kept across reloads) takes this config's bounds.
  if (!ownsStore) store.configure?.(config.session);
  // Profiles and learned figures share one state file (a section each).
  let stateFile: StateFile | undefined;
  const state = () => (stateFile ??= createStateFile(config.state.file, { logger }));
  const profiles = options.profiles ?? createProfileStore({ state: state(), logger });
  const learning = options.learning ?? createLearning(config, { state: state(), logger });
  learning.configure(config);
  const capacity =
    options.capacity ??
    createCapacity({
      config,
      averageHandleTime: () => learning.averageHandleTime(),
      onHandleTime: (ms) => learning.recordHandleTime(ms),
      handleTimes: (running) => learning.handleTimes(running),
    });
  // On a shared store the new agents reach every instance through its log; meanwhile (or with
  // the store away) the agents stay as they were.
  capacity
    .configure(config, clock.now())
    .catch((error: unknown) => logger.warn({ err: error }, 'agents not reconfigured'));
  const conversations =
    options.conversations ?? conversationsFor(config, { capacity, clock, logger });
  conversations.configure(config);
  const consoleSessions = options.consoleSessions ?? createConsoleSessions(config, clock);
  consoleSessions.configure(config);
  // Process metrics start monitors that never stop: the CLI asks for them, tests do not.
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: false });
  const stats = options.stats ?? createStats();
  const statsFeed = observeForStats(stats, {
    capacity,
    conversations,
    learning,
    clock,
    gateMode: config.gate.mode,
  });
  // Removed at close: a reloaded instance takes the conversations over and counts them itself.
  const stopCountingPromises = conversations.observePromises(({ verdict }) =>
    metrics.promise(verdict),
  );
  const cookies = createVisitorCookies(config.secret);
  const sessions = createSessions({
    config,
    store,
    clock,
    logger,
    profiles,
    capacity,
    learning,
    conversations,
    ...observeParts(metrics, { capacity, learning, store, clock, also: statsFeed }),
  });
  const api = createApiRouter({
    config,
    sessions,
    cookies,
    store,
    profiles,
    capacity,
    learning,
    conversations,
    consoleSessions,
    metrics,
    stats,
    sampleStats: statsFeed.sample,
    clock,
    logger,
  });
  const customers = createCustomerHook({ config, cookies, sessions, profiles, clock, logger });
  const forwarder = createForwarder(config, { logger });
  const rewriter = createRewriter(config, {
    logger,
    clock,
    onRefused: () => metrics.rewriteRefused(),
    onInflated: (bytes) => metrics.rewriteInflated(bytes),
  });
  const isExcluded = compileExclude(config.exclude, config.paths);
  const parts: Parts = {
    config,
    logger,
    cookies,
    sessions,
    api,
    forwarder,
    rewriter,
    isExcluded,
    customers,
    metrics,
    clock,
    storeLogsItself: store.health !== undefined,
  };

  let closing: Promise<void> | undefined;
  return {
    config,
    store,
    profiles,
    learning,
    capacity,
    metrics,
    conversations,
    consoleSessions,
    stats,
    handleRequest(req, res) {
      logRequest(req, res, logger, clock);
      handle(parts, req, res).catch((error: unknown) => sendProxyError(req, res, error, logger));
    },
    handleUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      try {
        checkHostHeader(req);
      } catch (error) {
        const hgError = classifyUpstreamError(error);
        logProxyError(logger, req, hgError, error);
        socket.end(rawErrorResponse(hgError));
        return;
      }
      if (safePathOf(req).startsWith(config.prefix)) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      forwarder.upgrade(req, socket, head, requestOrigin(req, config));
    },
    handleConnect(req, socket) {
      rejectConnect(req, socket, logger);
    },
    closeStreams(retryMs = STREAM_RETRY_ON_CLOSE_MS) {
      api.closeStreams(retryMs);
    },
    close({ handOver = false } = {}) {
      // Once: a second call (a signal during shutdown, a test's teardown) waits for the first.
      closing ??= (async () => {
        stopCountingPromises();
        // Browsers reconnect to the next instance (or this one, reloaded) after the hint.
        if (!handOver) api.closeStreams(STREAM_RETRY_ON_CLOSE_MS);
        // The next instance (on a reload) follows the parts with its own feed.
        statsFeed.stop();
        await forwarder.close({ keepTunnels: handOver });
        // Always: a reloaded instance shares the profiles, and the last one closed saves them.
        await profiles.flush();
        if (handOver) return;
        conversations.close();
        if (ownsStore) await store.close();
      })();
      return closing;
    },
  };
}

/** How soon a browser whose event stream ended at shutdown tries again. */
const STREAM_RETRY_ON_CLOSE_MS = 1000;

interface Parts {
  config: Config;
  logger: Logger;
  cookies: VisitorCookies;
  sessions: Sessions;
  api: ApiRouter;
  forwarder: Forwarder;
  rewriter: Rewriter;
  /** Whether any reading of the path is in `exclude`. */
  isExcluded: (pathname: string) => boolean;
  customers: CustomerHook;
  metrics: Metrics;
  clock: Clock;
  /** Whether the session store logs its own outages (one line per change of state). */
  storeLogsItself: boolean;
}

async function handle(parts: Parts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { config, api, forwarder, rewriter } = parts;
  checkHostHeader(req);
  const origin = requestOrigin(req, parts.config);
  const pathname = pathOf(req);

  if (pathname.startsWith(config.prefix)) {
    api.handle(req, res, pathname.slice(config.prefix.length), origin);
    return;
  }
  res.once('finish', () => parts.metrics.requestProxied(res.statusCode));

  // Decided on the path as forwarded (an absolute-form target reduced to its path) and on
  // every reading an upstream might give it; neither rewritten nor tracked nor bound.
  const excluded = parts.isExcluded(pathname);
  const tracked = !excluded && hasConsent(config, req);
  const rewritable = isRewritableRequest(req, { frames: config.rewrite.frames, excluded });
  // undici takes an EventEmitter emitting 'abort' as a signal: far cheaper per request than an
  // AbortController, and it also cancels a body already streaming.
  const cancel = new EventEmitter();
  res.once('close', () => {
    if (!res.writableFinished) cancel.emit('abort');
  });
  const upstream = await forwarder.send(req, {
    origin,
    dropRange: rewritable,
    signal: cancel,
  });
  const binding = parts.customers(req, upstream.headers, origin, tracked);
  // A sign-in rotates the session id: this response counts in the session's new id.
  const rotatedTo = binding === undefined ? null : await binding;

  const verdict = rewritable
    ? responseRewritability(req, upstream.status, upstream.headers)
    : ({ rewrite: false, reason: 'request' } as const);
  if (!verdict.rewrite) {
    pipeToClient(res, upstream, parts.logger);
    return;
  }

  const visit = tracked ? await trackVisitor(parts, req, origin, pathname, rotatedTo) : NOT_TRACKED;
  const extraHeaders = visit.headers;
  if (extraHeaders['set-cookie'] !== undefined) makeSharedCacheSafe(upstream.headers);
  // This visitor's HELP option must never be stored and served to someone else.
  if (visit.offerHtml !== null) makeUncacheable(upstream.headers);
  const started = parts.clock.now();
  await rewriter.rewrite({
    req,
    res,
    status: upstream.status,
    headers: upstream.headers,
    body: upstream.body,
    beaconTag: tracked ? api.beaconTag : () => '',
    extraHeaders,
    nonce: verdict.nonce,
    ...(visit.offerHtml !== null && { bodyEnd: visit.offerHtml }),
  });
  parts.metrics.rewriteDuration(parts.clock.now() - started);
}

interface Visit {
  headers: Record<string, string>;
  /** The HELP option going out with this page (an onRequest trigger fired), or `null`. */
  offerHtml: string | null;
}

const NOT_TRACKED: Visit = { headers: {}, offerHtml: null };

/**
 * Binds the page to a visitor: a validly signed cookie counts the page view in its session
 * (creating the session if it was lost); without one, a fresh cookie goes out and nothing is
 * stored until it comes back (DESIGN.md, "Visitor and session") — unless an onRequest
 * trigger puts the HELP option into this very page. `rotatedTo` is the session's new id when
 * this response signed a customer in (its cookie is in the response already).
 */
async function trackVisitor(
  parts: Parts,
  req: IncomingMessage,
  origin: VisitorOrigin,
  pathname: string,
  rotatedTo: string | null,
): Promise<Visit> {
  const signed = rotatedTo ?? parts.cookies.read(req.headers.cookie);
  const sid = signed ?? parts.cookies.mint();
  const headers: Record<string, string> =
    signed === null
      ? { 'set-cookie': parts.cookies.setCookie(sid, { secure: origin.proto === 'https' }) }
      : {};
  try {
    const { offerHtml } = await parts.sessions.pageServed(sid, pathname, { fresh: !signed });
    return { headers, offerHtml };
  } catch (error) {
    // Fail open: a store outage must not take the site's pages down with it. A store with a
    // health state logs the outage once; a warning per page would flood the log.
    const level = parts.storeLogsItself ? 'debug' : 'warn';
    parts.logger[level]({ err: error, path: pathname }, 'page view not recorded');
    return { headers, offerHtml: null };
  }
}

/**
 * The request's pathname (no query) as the upstream will see it: `//x` stays a path, never an
 * authority, and an absolute-form target is reduced to its path, so it cannot dodge the prefix.
 * Throws HG_ERR_BAD_REQUEST for targets that are no path at all (`*`, authority-form).
 */
function pathOf(req: IncomingMessage): string {
  const url = upstreamPath(req.url ?? '/');
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** {@link pathOf} for logs and guards: an unusable target reads as the raw target. */
function safePathOf(req: IncomingMessage): string {
  try {
    return pathOf(req);
  } catch {
    return req.url ?? '';
  }
}

const DEBUG_LEVELS = new Set(['debug', 'trace']);

function logRequest(req: IncomingMessage, res: ServerResponse, logger: Logger, clock: Clock) {
  // The access line is debug-only: skip its listener and clock read when nobody reads it.
  if (!DEBUG_LEVELS.has(logger.level)) return;
  const started = clock.now();
  res.once('close', () => {
    logger.debug(
      {
        method: req.method,
        path: safePathOf(req),
        status: res.statusCode,
        ms: clock.now() - started,
        aborted: !res.writableFinished,
      },
      'request',
    );
  });
}
