/**
 * Where the parts meet the metrics, in one place: the gauges read the capacity, the learned
 * figures and the session store at scrape time, and the sessions service reports triggers
 * and offer transitions through the hooks returned here.
 */
import type { Capacity } from '../capacity/capacity.js';
import type { Learning } from '../learning/learning.js';
import type { OfferRecord } from '../offers/offer-record.js';
import type { SessionStore } from '../session/store.js';
import type { FiredTrigger } from '../triggers/evaluate-triggers.js';
import type { Clock } from '../util/clock.js';
import type { Metrics } from './metrics.js';

export interface MetricHooks {
  onTriggerFired(trigger: FiredTrigger): void;
  onOfferTransition(offer: OfferRecord): void;
}

/**
 * Points `metrics`' gauges at the parts and returns the event hooks for the sessions service;
 * `also` (the supervisor's statistics) is told each event after the metrics.
 */
export function observeParts(
  metrics: Metrics,
  parts: {
    capacity: Capacity;
    learning: Learning;
    store: SessionStore;
    clock: Clock;
    also?: MetricHooks;
  },
): MetricHooks {
  const { capacity, learning, store, clock, also } = parts;
  metrics.setGaugeSource(() => {
    const figures = learning.figures();
    const now = capacity.snapshot(clock.now());
    return {
      maxWaitSeconds: figures.maxWaitMs / 1000,
      expireAfterSeconds: figures.expireAfterMs / 1000,
      estimatedWaitSeconds: now.estimatedWaitMs === null ? null : now.estimatedWaitMs / 1000,
      agentsAvailable: now.agentsAvailable,
      freeSlots: now.freeSlots,
      queueLength: now.queueLength,
      liveSessions: store.size(),
    };
  });
  return {
    onTriggerFired(trigger) {
      metrics.triggerFired(trigger.name);
      also?.onTriggerFired(trigger);
    },
    onOfferTransition(offer) {
      also?.onOfferTransition(offer);
      metrics.offer(offer.kind, offer.state);
      if (
        offer.state === 'accepted' &&
        offer.shownAt !== undefined &&
        offer.endedAt !== undefined
      ) {
        metrics.responseTime(offer.endedAt - offer.shownAt);
      }
    },
  };
}
