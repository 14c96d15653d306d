/**
 * helpgate's own routes under the prefix (DESIGN.md, "Contract: endpoints"). The orchestrator
 * hands over every request whose path starts with the prefix; this module answers it and
 * never lets an error escape into the server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Capacity } from '../capacity/capacity.js';
import type { Config } from '../config/schema.js';
import { checkConsoleWrite } from '../console/check-console-write.js';
import { createConsoleIdentity } from '../console/console-identity.js';
import { createConsoleRoutes } from '../console/console-routes.js';
import { type ConsoleSessions, createConsoleSessions } from '../console/console-sessions.js';
import type { Stats } from '../console/stats/create-stats.js';
import { createSupervisorPage } from '../console/supervisor-page.js';
import type { Conversations } from '../conversations/conversation-service.js';
import { HelpgateError } from '../errors.js';
import type { Learning } from '../learning/learning.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import type { Sessions } from '../session/sessions.js';
import type { SessionStore } from '../session/store.js';
import type { VisitorCookies } from '../session/visitor-cookie.js';
import type { Clock } from '../util/clock.js';
import { createAdminAuth } from './admin-auth.js';
import { createAgentsApi } from './agents-api.js';
import {
  installedBeacon,
  installedChat,
  installedConsole,
  installedSupervisor,
  type ScriptAsset,
} from './beacon-asset.js';
import { createCapacityApi } from './capacity-api.js';
import { createChatApi } from './chat-api.js';
import { createConversationsApi } from './conversations-api.js';
import { createHeartbeatHandler } from './heartbeat.js';
import { createMediaRoute } from './media-route.js';
import { createMetricsRoute } from './metrics-route.js';
import { createOffersApi } from './offers-api.js';
import { createProfilesApi, type ParamHandler } from './profiles-api.js';
import { limitBodyTime } from './read-body.js';
import { asHelpgateError, STORE_RETRY_AFTER_S, sendError, sendJson } from './respond.js';
import { createSessionsApi } from './sessions-api.js';
import { type Authorize, createStatsApi } from './stats-api.js';

/** How long healthz waits for the store before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 2_000;

export interface ApiRouter {
  /**
   * Answers a request under the prefix. `subpath` is the path after the prefix without the
   * query (`"hb"`); `origin` is what the orchestrator worked out about the client: the scheme,
   * its address and the origin (`https://shop.example`) it reached the site at.
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    subpath: string,
    origin: { proto: 'http' | 'https'; clientIp: string; origin: string },
  ): void;
  /**
   * The beacon's script tag for an HTML page, with the page's CSP nonce when it has one. The
   * beacon finds the heartbeat URL from its own `src` (`document.currentScript`, resolving
   * `hb` against it), its first interval from `data-interval` and the selectors of server-side
   * error messages from `data-errors` (JSON); all stay right whatever the prefix, and the
   * script URL itself stays the contract's.
   */
  beaconTag(nonce: string | null): string;
  /** Ends every open event stream at once, telling browsers when to reconnect (shutdown). */
  closeStreams(retryMs: number): void;
}

export interface ApiRouterDeps {
  config: Config;
  sessions: Sessions;
  cookies: VisitorCookies;
  store: SessionStore;
  /** Saved customer profiles (`api/profiles/{customerId}`). */
  profiles: ProfileStore;
  /** Agents and the help queue (`api/agents/{id}`, `api/capacity`, the accept reply). */
  capacity: Capacity;
  /** Learned thresholds (`api/capacity`). */
  learning: Learning;
  /** The conversations after "accept": the visitor's `chat/*` and the agents' `api/*`. */
  conversations: Conversations;
  /** `metrics`; heartbeats are counted here. Without it there is no metrics route. */
  metrics?: Metrics;
  clock: Clock;
  logger: Logger;
  /** The beacon bundle; loaded from the build output (or built) when not given. */
  beacon?: ScriptAsset;
  /** The chat panel's bundle (`chat.js`); likewise. */
  chat?: ScriptAsset;
  /** The agent console's bundle (`console.js`); likewise. */
  consoleScript?: ScriptAsset;
  /** Console logins; pass the same instance across config reloads (they outlive them). */
  consoleSessions?: ConsoleSessions;
  /** The supervisor's statistics (`api/stats`); without them there is no supervisor view. */
  stats?: Stats;
  /** Samples the capacity into the statistics now. */
  sampleStats?: () => void;
  /**
   * Who may read `api/stats` and open `console/supervisor`; defaults to the admin's Bearer
   * token.
   */
  authorizeSupervisor?: Authorize;
  /** The supervisor page's bundle (`supervisor.js`); loaded like the beacon when not given. */
  supervisor?: ScriptAsset;
}

type Origin = Parameters<ApiRouter['handle']>[3];
type Handler = (req: IncomingMessage, res: ServerResponse, origin: Origin) => void | Promise<void>;

export function createApiRouter(deps: ApiRouterDeps): ApiRouter {
  const { config, store, logger } = deps;
  const beacon = deps.beacon ?? installedBeacon();
  const chatScript = deps.chat ?? installedChat();
  const consoleScript = deps.consoleScript ?? installedConsole();
  const consoleSessions = deps.consoleSessions ?? createConsoleSessions(config, deps.clock);
  const identity = createConsoleIdentity(config, consoleSessions);
  const identify = identity.of;
  const callerOf = (req: IncomingMessage) => {
    const found = identify(req);
    if (found === null) return null;
    return found.role === 'admin'
      ? ({ kind: 'admin' } as const)
      : ({ kind: 'agent', id: found.agentId } as const);
  };
  // The beacon tag is the same for every page of this config but for a nonce: built once.
  const beaconTagStart =
    `<script src="${escapeAttribute(`${config.prefix}beacon.js?v=${beacon.hash}`)}" defer` +
    ` data-interval="${config.heartbeat.interval}"` +
    ` data-errors="${escapeAttribute(JSON.stringify(config.beacon.errorSelectors))}"` +
    ` data-appearance="${escapeAttribute(JSON.stringify(config.offers.appearance))}"`;
  const beaconTagWithoutNonce = `${beaconTagStart}></script>`;
  const heartbeat = createHeartbeatHandler({
    ...deps,
    storeLogsItself: deps.store.health !== undefined,
  });
  const { capacity, learning, clock } = deps;
  const offers = createOffersApi({
    ...deps,
    chatOf: async (sid, conversationId) =>
      (await deps.conversations.history(sid, conversationId)).chat,
    // The visitor looking at their place in the queue is still there.
    ticketOf: (conversationId, now) => {
      capacity.touch(conversationId, now);
      return capacity.ticket(conversationId, now);
    },
  });
  const agents = createAgentsApi({ config, capacity, clock, identify: callerOf });
  const conversations = createConversationsApi({
    config,
    conversations: deps.conversations,
    clock,
    identify: callerOf,
    onStream: (who, stream, req) => {
      const caller = identify(req);
      consoleSessions.holdStream(
        who.kind === 'admin' ? { role: 'admin' } : { role: 'agent', agentId: who.id },
        stream,
        caller?.via === 'cookie' ? caller.session.id : undefined,
      );
    },
  });
  const consoleRoutes = createConsoleRoutes({
    config,
    sessions: consoleSessions,
    identify,
    capacity,
    clock,
    scriptUrl: `${config.prefix}console.js?v=${consoleScript.hash}`,
  });
  const chat = createChatApi({
    config,
    conversations: deps.conversations,
    cookies: deps.cookies,
    clock,
  });
  const media = createMediaRoute(config);
  const capacityApi = createCapacityApi({
    config,
    capacity,
    clock,
    figures: () => learning.figures(),
  });

  const routes = new Map<string, Record<string, Handler>>([
    ['beacon.js', { GET: serveScript(beacon), HEAD: serveScript(beacon) }],
    ['chat.js', { GET: serveScript(chatScript), HEAD: serveScript(chatScript) }],
    ['console.js', { GET: serveScript(consoleScript), HEAD: serveScript(consoleScript) }],
    ['console', { GET: consoleRoutes.page, HEAD: consoleRoutes.page }],
    ['console/login', { POST: consoleRoutes.login }],
    ['console/logout', { POST: consoleRoutes.logout }],
    ['console/state', { GET: consoleRoutes.state }],
    ['hb', { POST: heartbeat }],
    ['help', { GET: offers.helpPage, HEAD: offers.helpPage }],
    ['healthz', { GET: health, HEAD: health }],
    ['api/capacity', { GET: capacityApi }],
    ['api/agents', { GET: agents.list }],
    ['api/conversations', { GET: conversations.list }],
    ['api/queue', { GET: conversations.queue }],
    ['api/events', { GET: conversations.events }],
  ]);
  const adminAuth = createAdminAuth(config);
  if (deps.stats) {
    // The admin, by Bearer token or by the console's login with the admin token.
    const authorize =
      deps.authorizeSupervisor ??
      ((req: IncomingMessage) => {
        const who = identify(req);
        if (who === null) return new HelpgateError('HG_ERR_UNAUTHORIZED');
        return who.role === 'admin' ? null : new HelpgateError('HG_ERR_FORBIDDEN');
      });
    const statsApi = createStatsApi({
      stats: deps.stats,
      sample: deps.sampleStats ?? (() => {}),
      authorize,
      clock,
    });
    routes.set('api/stats', { GET: statsApi });
    // Loaded on first use: a helpgate nobody supervises never reads the bundle.
    let supervisorScript: ScriptAsset | undefined;
    const script = () => (supervisorScript ??= deps.supervisor ?? installedSupervisor());
    let page: ReturnType<typeof createSupervisorPage> | undefined;
    const supervisorPage: Handler = (req, res) => {
      page ??= createSupervisorPage({ prefix: config.prefix, script: script(), authorize });
      page(req, res);
    };
    const supervisorJs: Handler = (req, res, origin) => serveScript(script())(req, res, origin);
    routes.set('console/supervisor', { GET: supervisorPage, HEAD: supervisorPage });
    routes.set('supervisor.js', { GET: supervisorJs, HEAD: supervisorJs });
  }
  if (deps.metrics) {
    const metricsRoute = createMetricsRoute(config, deps.metrics);
    routes.set('metrics', { GET: metricsRoute, HEAD: metricsRoute });
  }

  /**
   * Routes ending in one path segment, the parameter, that check their own tokens: an agent's
   * token is good for its own `api/agents/{id}`, which the admin-only check would refuse.
   */
  const selfAuthRoutes = new Map<string, Record<string, ParamHandler>>([
    ['api/agents/', agents.byId],
  ]);

  /** Admin routes ending in one path segment, the parameter (`api/profiles/{customerId}`). */
  const adminRoutes = new Map<string, Record<string, ParamHandler>>([
    ['api/profiles/', createProfilesApi(deps.profiles)],
    ['api/sessions/', createSessionsApi(deps)],
  ]);

  function handleAdmin(req: IncomingMessage, res: ServerResponse, subpath: string): boolean {
    const slash = subpath.lastIndexOf('/');
    const base = subpath.slice(0, slash + 1);
    let methods = selfAuthRoutes.get(base);
    if (methods === undefined) {
      methods = adminRoutes.get(base);
      if (methods === undefined) return false;
      if (adminAuth.refuse(req, res)) return true;
    }
    const handler = methods[req.method ?? ''];
    if (handler === undefined) {
      sendError(res, new HelpgateError('HG_ERR_METHOD_NOT_ALLOWED'), {
        Allow: Object.keys(methods).join(', '),
      });
      return true;
    }
    let param: string;
    try {
      param = decodeURIComponent(subpath.slice(slash + 1));
    } catch {
      fail(res, new HelpgateError('HG_ERR_NOT_FOUND'));
      return true;
    }
    try {
      const running = handler(req, res, param);
      if (running) running.catch((error: unknown) => fail(res, error));
    } catch (error) {
      fail(res, error);
    }
    return true;
  }

  /** A bundled script, versioned by its content hash (`?v=`). */
  function serveScript(script: ScriptAsset): Handler {
    return (req, res) => {
      const version = new URL(req.url ?? '/', 'http://x').searchParams.get('v');
      const headers: Record<string, string> = {
        'Content-Type': 'text/javascript; charset=utf-8',
        // A URL carrying the current hash never changes meaning; any other URL may, soon.
        'Cache-Control':
          version === script.hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
        ETag: script.etag,
        Vary: 'Accept-Encoding',
        'X-Content-Type-Options': 'nosniff',
      };
      const ifNoneMatch = req.headers['if-none-match'];
      if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === script.etag)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      const gzip = /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '');
      const body = gzip ? script.gzip : script.body;
      if (gzip) headers['Content-Encoding'] = 'gzip';
      headers['Content-Length'] = String(body.length);
      res.writeHead(200, headers);
      res.end(body);
    };
  }

  /**
   * Asks the store (so a hung store is found even without traffic) and answers with its
   * health: 503 with the reason while it cannot be reached. A store that keeps a health state
   * logs its own changes of state; healthz adds no line per probe.
   */
  async function health(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let reason: string | null = null;
    try {
      await Promise.race([
        store.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in time')), HEALTH_TIMEOUT_MS);
          timer.unref();
        }),
      ]);
      const state = store.health?.();
      if (state?.status === 'unavailable') reason = state.reason;
    } catch (error) {
      const state = store.health?.();
      const given = error instanceof HelpgateError ? error.params.reason : undefined;
      reason =
        typeof given === 'string'
          ? given
          : state?.status === 'unavailable'
            ? state.reason
            : error instanceof Error
              ? error.message
              : 'unreachable';
      if (state === undefined)
        logger.warn({ err: error }, 'healthz: the session store is unreachable');
    } finally {
      clearTimeout(timer);
    }
    if (reason === null) return sendJson(res, 200, { status: 'ok' });
    const unavailable = new HelpgateError('HG_ERR_STORE_UNAVAILABLE');
    sendJson(
      res,
      unavailable.status,
      { status: 'unavailable', reason, ...unavailable.toJSON() },
      { 'Retry-After': String(STORE_RETRY_AFTER_S) },
    );
  }

  function fail(res: ServerResponse, error: unknown): void {
    const known = asHelpgateError(error);
    if (known.status >= 500) logger.error({ err: error }, 'own route failed');
    try {
      sendError(res, known);
    } catch {
      res.destroy();
    }
  }

  /** Answers a request whose console cookie, if any, has been looked up. */
  function route(
    req: IncomingMessage,
    res: ServerResponse,
    subpath: string,
    origin: Parameters<ApiRouter['handle']>[3],
  ) {
    // One place for the console cookie's CSRF rule on every API it opens.
    if (subpath.startsWith('api/')) {
      const refused = checkConsoleWrite(req, origin, identify(req));
      if (refused) {
        req.resume();
        return sendError(res, refused);
      }
    }
    const methods = routes.get(subpath);
    if (methods === undefined) {
      if (subpath.startsWith('offers/')) {
        offers
          .answer(req, res, subpath.slice('offers/'.length), origin)
          .catch((error: unknown) => fail(res, error));
        return;
      }
      if (subpath.startsWith('media/')) {
        media(req, res, subpath.slice('media/'.length)).catch((error: unknown) => fail(res, error));
        return;
      }
      if (subpath.startsWith('chat/')) {
        chat
          .handle(req, res, subpath.slice('chat/'.length), origin)
          .catch((error: unknown) => fail(res, error));
        return;
      }
      if (subpath.startsWith('api/conversations/')) {
        conversations
          .byId(req, res, subpath.slice('api/conversations/'.length))
          .catch((error: unknown) => fail(res, error));
        return;
      }
      if (handleAdmin(req, res, subpath)) return;
      return fail(res, new HelpgateError('HG_ERR_NOT_FOUND'));
    }
    const handler = methods[req.method ?? ''];
    if (handler === undefined) {
      return sendError(res, new HelpgateError('HG_ERR_METHOD_NOT_ALLOWED'), {
        Allow: Object.keys(methods).join(', '),
      });
    }
    try {
      const running = handler(req, res, origin);
      if (running) running.catch((error: unknown) => fail(res, error));
    } catch (error) {
      fail(res, error);
    }
  }

  return {
    handle(req, res, subpath, origin) {
      limitBodyTime(req, res, config.timeouts.body);
      // Only the console's and the agents' routes ask who calls: a heartbeat or a script
      // sent with an agent's cookie costs no store read.
      const asksWhoCalls =
        subpath.startsWith('api/') || subpath === 'console' || subpath.startsWith('console/');
      const lookingUp = asksWhoCalls ? identity.resolve(req) : undefined;
      if (lookingUp === undefined) return route(req, res, subpath, origin);
      lookingUp.then(
        () => route(req, res, subpath, origin),
        (error: unknown) => {
          req.resume();
          fail(res, error);
        },
      );
    },

    closeStreams(retryMs) {
      chat.closeStreams(retryMs);
      conversations.closeStreams(retryMs);
    },

    beaconTag(nonce) {
      if (nonce === null) return beaconTagWithoutNonce;
      return `${beaconTagStart} nonce="${escapeAttribute(nonce)}"></script>`;
    },
  };
}

function escapeAttribute(value: string): string {
  return value.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
