/**
 * The agents' events between instances: Redis pub/sub on one channel, `agents`. An agent's
 * console may be connected to any instance, and what concerns it (a visitor's message, an
 * assignment) may happen on any other. Pub/sub keeps nothing: an event sent while an instance
 * cannot hear is lost to the consoles connected there, which is why a console that reconnects
 * starts from a snapshot (DESIGN.md, `api/events`), not from the events it missed.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AgentBusRelay, RelayedAgentEvent } from '../conversations/_agent-bus.js';
import type { RedisConnection } from './redis-connection.js';

const CHANNEL = 'agents';

export interface RedisAgentRelay extends AgentBusRelay {
  close(): Promise<void>;
}

export function createRedisAgentRelay(connection: RedisConnection): RedisAgentRelay {
  const instance = randomUUID();
  // Channel names take no key prefix in ioredis: the prefix is added here, so two sites
  // sharing a Redis do not hear each other.
  const channel = `${connection.keyPrefix}${CHANNEL}`;
  // Subscribed connections take no other command: a connection of its own, which queues the
  // subscription while it (re)connects.
  const subscriber: Redis = connection.redis.duplicate({ enableOfflineQueue: true });
  subscriber.on('error', () => {});
  const listeners: ((message: RelayedAgentEvent) => void)[] = [];
  subscriber.subscribe(channel).catch(() => {});
  subscriber.on('message', (_channel: string, raw: string) => {
    let parsed: { from: string; message: RelayedAgentEvent };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      return;
    }
    // This instance told its own followers already.
    if (parsed.from === instance) return;
    for (const listener of listeners) listener(parsed.message);
  });
  return {
    publish(message) {
      const raw = JSON.stringify({ from: instance, message });
      connection.redis.publish(channel, raw).catch(() => {});
    },
    subscribe(deliver) {
      listeners.push(deliver);
    },
    async close() {
      subscriber.disconnect();
    },
  };
}
