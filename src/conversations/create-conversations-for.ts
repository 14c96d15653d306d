/**
 * The conversation service with the store the config asks for (the memory store unless a
 * shared one is given), bounded by the config's `conversations` and `session` keys.
 */
import type { Capacity } from '../capacity/capacity.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import type { AgentBus } from './_agent-bus.js';
import { type Conversations, createConversations } from './conversation-service.js';
import type { ConversationStore } from './conversation-store.js';
import { createMemoryConversationStore } from './memory-conversation-store.js';

/** Ended conversations kept (for history and reconnects) beside the open ones, at most. */
export const MIN_KEPT_CONVERSATIONS = 1000;

export function conversationsFor(
  config: Config,
  parts: {
    capacity: Capacity;
    clock: Clock;
    logger: Logger;
    /** A shared store; default: the memory store. */
    store?: ConversationStore;
    bus?: AgentBus;
    leads?: () => boolean;
  },
): Conversations {
  const { keepMessages, keepFor } = config.conversations;
  const store =
    parts.store ??
    createMemoryConversationStore({
      keepMessages,
      // Queue revisions and the agent joining are events too: room for them beside the messages.
      keepEvents: keepMessages * 2,
      keepFor,
      maxConversations: Math.max(MIN_KEPT_CONVERSATIONS, config.session.maxPinned * 2),
    });
  return createConversations({ config, ...parts, store });
}
