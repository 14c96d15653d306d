/**
 * Fan-out of what agents' event streams show: each event goes to the agent it concerns and to
 * every admin follower; queue events go to everyone. With a relay (a shared store), what one
 * instance sends reaches the followers of every instance, since an agent's console may be
 * connected to any of them.
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
  /**
   * To every follower of this process only: for what each instance works out for itself from
   * the shared state (the queue), so it is not sent once per instance.
   */
  toAllHere(event: AgentStreamEvent): void;
  /** Followers now (for tests and gauges). */
  size(): number;
}

/** A message between instances: to one agent (and the admins), or to everyone. */
export interface RelayedAgentEvent {
  agentId: string | null;
  event: AgentStreamEvent;
}

/** Carries bus messages to the other instances (pub/sub on a shared store). */
export interface AgentBusRelay {
  /** Sends to the other instances; never throws (lost while the store is away). */
  publish(message: RelayedAgentEvent): void;
  /** Calls `deliver` with each message another instance published. */
  subscribe(deliver: (message: RelayedAgentEvent) => void): void;
}

export function createAgentBus(relay?: AgentBusRelay): AgentBus {
  const byAgent = new Map<string, Set<(event: AgentStreamEvent) => void>>();
  const admins = new Set<(event: AgentStreamEvent) => void>();

  /** To this process's followers: the agent's (or everyone's) and the admins'. */
  function here(agentId: string | null, event: AgentStreamEvent): void {
    if (agentId === null) {
      for (const set of byAgent.values()) for (const listener of set) listener(event);
    } else {
      for (const listener of byAgent.get(agentId) ?? []) listener(event);
    }
    for (const listener of admins) listener(event);
  }
  relay?.subscribe((message) => here(message.agentId, message.event));

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
      here(agentId, event);
      relay?.publish({ agentId, event });
    },
    toAll(event) {
      here(null, event);
      relay?.publish({ agentId: null, event });
    },
    toAllHere(event) {
      here(null, event);
    },
    size() {
      let n = admins.size;
      for (const set of byAgent.values()) n += set.size;
      return n;
    },
  };
}
