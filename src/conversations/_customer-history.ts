/**
 * A customer's earlier conversations, for the agent who takes their next one ("a returning
 * customer"): the ids of the last few per customer id, in this process, bounded; the details
 * are read from the conversation store, which keeps them as long as it keeps the conversation.
 */
import { LRUCache } from 'lru-cache';
import type { EarlierConversation } from './agent-view.js';
import type { ConversationRecord } from './conversation-record.js';
import type { ConversationStore } from './conversation-store.js';

/** Earlier conversations shown to the agent, most recent first. */
export const MAX_EARLIER = 5;
/** Customers whose conversation ids are remembered: the least recently seen go first. */
const MAX_CUSTOMERS = 10_000;

export interface CustomerHistory {
  /** A conversation of `customerId` was opened (a visitor who is no known customer: null). */
  opened(customerId: string | null, conversationId: string): void;
  /** The same customer's conversations before `record` that the store still keeps. */
  earlierOf(record: ConversationRecord): Promise<EarlierConversation[]>;
}

export function createCustomerHistory(store: ConversationStore): CustomerHistory {
  /** Conversation ids per customer id, oldest first. */
  const byCustomer = new LRUCache<string, string[]>({ max: MAX_CUSTOMERS });
  return {
    opened(customerId, conversationId) {
      if (customerId === null) return;
      const ids = byCustomer.get(customerId) ?? [];
      byCustomer.set(customerId, [...ids, conversationId].slice(-(MAX_EARLIER + 1)));
    },

    async earlierOf(record) {
      const customer = record.context.customerId;
      if (customer === null) return [];
      const earlier: EarlierConversation[] = [];
      for (const id of [...(byCustomer.get(customer) ?? [])].reverse()) {
        if (id === record.id || earlier.length >= MAX_EARLIER) continue;
        const before = await store.record(id);
        if (before === undefined || before.acceptedAt > record.acceptedAt) continue;
        const messages = (await store.state(id))?.state.messages ?? [];
        earlier.push({
          id,
          at: new Date(before.acceptedAt).toISOString(),
          path: before.context.path,
          trigger: before.context.trigger,
          agentName: messages.find((m) => m.from === 'agent')?.name ?? null,
          messages: messages.filter((m) => m.from !== 'system').length,
          firstMessage: messages.find((m) => m.from === 'visitor')?.text ?? null,
          endedAt: before.endedAt === null ? null : new Date(before.endedAt).toISOString(),
        });
      }
      return earlier;
    },
  };
}
