// A stand-in for the orchestrator: sends everything under the prefix to the api router.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { type ApiRouter, createApiRouter } from '../../src/api/router.js';
import type { Config } from '../../src/config/schema.js';
import { conversationsFor } from '../../src/conversations/create-conversations-for.js';
import { silentLogger } from '../../src/logger.js';
import { createProfileStore, type ProfileStore } from '../../src/profiles/profile-store.js';
import { createStateFile } from '../../src/profiles/state-file.js';
import { requestOrigin } from '../../src/proxy/request-origin.js';
import { type MemoryStore, memoryStoreFor } from '../../src/session/memory-store.js';
import { createSessions, type Sessions } from '../../src/session/sessions.js';
import type { SessionStore } from '../../src/session/store.js';
import { createVisitorCookies, type VisitorCookies } from '../../src/session/visitor-cookie.js';
import { offerParts } from '../fixtures/offer-parts.js';
import type { TestClock } from '../fixtures/test-clock.js';
import { manualClock } from '../session/_helpers.js';

export interface TestApi {
  url: string;
  config: Config;
  clock: TestClock;
  store: MemoryStore;
  sessions: Sessions;
  profiles: ProfileStore;
  cookies: VisitorCookies;
  router: ApiRouter;
  /** A `Cookie` header carrying a validly signed fresh session id, and that id. */
  visitor(): { sid: string; cookie: string };
}

export async function startApi(
  t: Test,
  config: Config,
  options: { store?: SessionStore } = {},
): Promise<TestApi> {
  const clock = manualClock();
  const store = memoryStoreFor(config, clock);
  const logger = silentLogger();
  const cookies = createVisitorCookies(config.secret);
  const profiles = createProfileStore({ state: createStateFile(null, { logger }), logger });
  const parts = offerParts(config);
  const conversations = conversationsFor(config, { capacity: parts.capacity, clock, logger });
  t.teardown(() => conversations.close());
  const sessions = createSessions({
    config,
    store: options.store ?? store,
    clock,
    logger,
    profiles,
    conversations,
    ...parts,
  });
  const router = createApiRouter({
    config,
    sessions,
    cookies,
    store: options.store ?? store,
    profiles,
    conversations,
    ...parts,
    clock,
    logger,
  });
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (!pathname.startsWith(config.prefix)) {
      res.writeHead(404).end();
      return;
    }
    router.handle(req, res, pathname.slice(config.prefix.length), {
      ...requestOrigin(req, config),
      clientIp: req.headers['x-test-ip']?.toString() ?? req.socket.remoteAddress ?? '',
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${config.prefix}`,
    config,
    clock,
    store,
    sessions,
    profiles,
    cookies,
    router,
    visitor() {
      const sid = cookies.mint();
      return { sid, cookie: `hg_sid=${cookies.sign(sid)}` };
    },
  };
}
