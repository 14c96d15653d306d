/**
 * Fan-out of what agents' event streams show: each event goes to the agent it concerns and to
 * every admin follower; queue events go to everyone. In this process only; a shared store
 * carries them between instances.
 */

/** An event of the agents' multiplexed stream (`api/events`). */
export interface AgentStreamEvent {
  event: string;
  data: unknown;
}

/** Who follows: an agent (its own conversations and the queue) or the admin (everything). */
export type AgentFollowerScope = { kind: 'agent'; id: string } | { kind: 'admin' };

export interface AgentBus {
  follow(scope: AgentFollowerScope, listener: (event: AgentStreamEvent) => void): () => void;
  /** To the agent `agentId` (if following) and to the admin followers. */
  toAgent(agentId: string, event: AgentStreamEvent): void;
  /** To every follower. */
  toAll(event: AgentStreamEvent): void;
  /** Followers now (for tests and gauges). */
  size(): number;
}

export function createAgentBus(): AgentBus {
  const byAgent = new Map<string, Set<(event: AgentStreamEvent) => void>>();
  const admins = new Set<(event: AgentStreamEvent) => void>();

  return {
    follow(scope, listener) {
      if (scope.kind === 'admin') {
        admins.add(listener);
        return () => admins.delete(listener);
      }
      const set = byAgent.get(scope.id) ?? new Set();
      byAgent.set(scope.id, set);
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) byAgent.delete(scope.id);
      };
    },
    toAgent(agentId, event) {
      for (const listener of byAgent.get(agentId) ?? []) listener(event);
      for (const listener of admins) listener(event);
    },
    toAll(event) {
      for (const set of byAgent.values()) for (const listener of set) listener(event);
      for (const listener of admins) listener(event);
    },
    size() {
      let n = admins.size;
      for (const set of byAgent.values()) n += set.size;
      return n;
    },
  };
}
