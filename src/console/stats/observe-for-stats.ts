/**
 * Feeds the supervisor's statistics from the parts' hooks: triggers and offer transitions
 * (the sessions service's, beside the metrics'), assignments and changes (`capacity.observe`),
 * the promise, first reply and end of each conversation (`conversations.observe`), and the
 * capacity sampled on each change (at most once a second) and every ten seconds, so every
 * minute bucket holds the minute's last and highest figures.
 */
import type { Capacity } from '../../capacity/capacity.js';
import type { Config } from '../../config/schema.js';
import type { Conversations } from '../../conversations/conversation-service.js';
import type { Learning } from '../../learning/learning.js';
import type { MetricHooks } from '../../metrics/metric-hooks.js';
import type { Clock } from '../../util/clock.js';
import type { Stats } from './create-stats.js';

/** How often the capacity is sampled when nothing changes. */
export const SAMPLE_EVERY_MS = 10_000;
/** Changes sample the capacity at most this often (by the clock). */
const CHANGE_SAMPLE_MS = 1000;

export interface StatsFeed extends MetricHooks {
  /** Samples the capacity now (`api/stats` does, so the live tiles are current). */
  sample(): void;
  /** Stops following the parts (a reload's next instance follows them instead). */
  stop(): void;
}

export function observeForStats(
  stats: Stats,
  parts: {
    capacity: Capacity;
    conversations: Conversations;
    learning: Learning;
    clock: Clock;
    /** `gate.mode`: with `always` no offer waits for capacity, so none is missed for it. */
    gateMode: Config['gate']['mode'];
  },
): StatsFeed {
  const { capacity, conversations, learning, clock } = parts;
  let sampledAt = Number.NEGATIVE_INFINITY;

  function sample(): void {
    const now = clock.now();
    sampledAt = now;
    const snapshot = capacity.snapshot(now);
    const figures = learning.figures();
    stats.sample(
      {
        estimatedWaitMs: snapshot.estimatedWaitMs,
        queueLength: snapshot.queueLength,
        freeSlots: snapshot.freeSlots,
        maxWaitMs: figures.maxWaitMs,
        expireAfterMs: figures.expireAfterMs,
        agents: capacity.agents(),
      },
      now,
    );
  }

  const stopCapacity = capacity.observe({
    onAssigned: (conversation) => {
      if (conversation.assignedAt !== null)
        stats.assigned(conversation.id, conversation.assignedAt);
    },
    onChange: () => {
      if (clock.now() - sampledAt >= CHANGE_SAMPLE_MS) sample();
    },
  });
  const stopConversations = conversations.observe({
    onOpened: (id, promised) => stats.opened(id, promised),
    onFirstReply: (id, now) => stats.firstReply(id, now),
    onEnded: (id, now) => stats.ended(id, now),
  });
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  timer.unref();

  return {
    onTriggerFired: (trigger) => stats.triggerFired(trigger.name, clock.now()),
    onOfferTransition(offer) {
      const neverShown = offer.shownAt === undefined && offer.state !== 'pending';
      if (neverShown && parts.gateMode === 'always') return;
      // Assigned at once on acceptance: the capacity told before the offer was marked.
      const assignedAt =
        offer.state === 'accepted' && offer.conversationId !== undefined
          ? (capacity.conversation(offer.conversationId)?.assignedAt ?? null)
          : null;
      stats.offerChanged(offer, assignedAt);
    },
    sample,
    stop() {
      clearInterval(timer);
      stopCapacity();
      stopConversations();
    },
  };
}
