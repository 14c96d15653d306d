/**
 * The parts that keep state, built for the store the config asks for (`store`), by the server
 * once: they outlive config reloads. With the memory store only the session store is built
 * here (`createHelpgate` builds the others in the process); with Redis every part that holds
 * shared state is built on one connection: sessions, profiles, learned figures, capacity (the
 * agents, the queue, reservations), conversations and their logs, the agents' events between
 * instances, and the lease for the work that runs once.
 */
import type { HelpgateOptions } from '../app.js';
import type { Config } from '../config/schema.js';
import { consoleSessionsFor } from '../console/console-sessions-for.js';
import { statsFor } from '../console/stats/stats-for.js';
import { createAgentBus } from '../conversations/_agent-bus.js';
import {
  conversationsFor,
  MIN_KEPT_CONVERSATIONS,
} from '../conversations/create-conversations-for.js';
import type { Logger } from '../logger.js';
import { memoryStoreFor } from '../session/memory-store.js';
import type { SessionStore } from '../session/store.js';
import type { Clock } from '../util/clock.js';
import { createRedisAgentRelay } from './redis-agent-relay.js';
import { createRedisCapacity } from './redis-capacity.js';
import { redisConnectionFor } from './redis-connection.js';
import { createRedisConversationStore } from './redis-conversation-store.js';
import { createRedisLearning } from './redis-learning.js';
import { createRedisLease } from './redis-lease.js';
import { createRedisProfileStore } from './redis-profile-store.js';
import { createRedisSessionStore } from './redis-session-store.js';
import { loadRedisStateFile } from './redis-state-file.js';
import { createStreamReader } from './redis-stream-reader.js';

export interface SharedParts {
  /** The session store (closed last: with Redis it owns the connection). */
  store: SessionStore;
  /** The other parts to hand `createHelpgate` (none with the memory store). */
  parts: Pick<
    HelpgateOptions,
    'profiles' | 'learning' | 'capacity' | 'conversations' | 'consoleSessions' | 'stats'
  >;
  /** Closes what was built here, but the session store. */
  close(): Promise<void>;
}

/** How long start waits for Redis before it goes on without it. */
const FIRST_CONNECTION_WAIT_MS = 1_000;

export async function sharedPartsFor(
  config: Config,
  deps: { clock: Clock; logger: Logger },
): Promise<SharedParts> {
  const { clock, logger } = deps;
  if (config.store.kind === 'memory') {
    return { store: memoryStoreFor(config, clock, logger), parts: {}, close: async () => {} };
  }
  const connection = redisConnectionFor(config.store, logger);
  // A moment for the first connection, so a Redis that is up is read at start. One that is
  // unreachable is not waited for: pages are served while the connection retries.
  await Promise.race([
    connection.ready(),
    new Promise((resolve) => setTimeout(resolve, FIRST_CONNECTION_WAIT_MS).unref()),
  ]);
  const timeoutMs = config.store.timeout;
  const store = createRedisSessionStore({
    connection,
    ttlMs: config.session.ttl,
    lockWaitMs: timeoutMs,
    clock,
  });
  const profiles = createRedisProfileStore({ connection, logger });
  // One blocking read for the shared logs of capacity and learning (conversations have theirs).
  const reader = createStreamReader(connection, timeoutMs);
  // Learned figures, saved as `state.file` keeps them with the memory store (read once at start).
  const state = await loadRedisStateFile(connection, { logger });
  const learning = createRedisLearning(config, { connection, reader, state, logger });
  const capacity = createRedisCapacity({
    config,
    connection,
    reader,
    timeoutMs,
    clock,
    logger,
    averageHandleTime: () => learning.averageHandleTime(),
    onHandleTime: (ms) => learning.recordHandleTime(ms),
    handleTimes: (running) => learning.handleTimes(running),
  });
  const { keepMessages, keepFor } = config.conversations;
  const conversationStore = createRedisConversationStore({
    connection,
    keepMessages,
    keepEvents: keepMessages * 2,
    keepFor,
    maxConversations: Math.max(MIN_KEPT_CONVERSATIONS, config.session.maxPinned * 2),
    timeoutMs,
    clock,
  });
  const relay = createRedisAgentRelay(connection);
  const lease = createRedisLease(connection, 'sweep', { logger });
  const conversations = conversationsFor(config, {
    capacity,
    clock,
    logger,
    store: conversationStore,
    bus: createAgentBus(relay),
    leads: () => lease.held(),
  });
  const consoleSessions = consoleSessionsFor(config, { clock, connection });
  const stats = statsFor(config, { clock, connection });
  return {
    store,
    parts: { profiles, learning, capacity, conversations, consoleSessions, stats },
    async close() {
      await stats.flush();
      await consoleSessions.close();
      conversations.close();
      await profiles.flush();
      learning.close();
      await state.flush();
      await lease.close();
      await relay.close();
      await capacity.close();
      await reader.close();
      await conversationStore.close();
    },
  };
}
