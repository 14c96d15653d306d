/**
 * `GET {prefix}api/capacity` (admin token): what the capacity gate sees now.
 *
 * `estimatedWaitSeconds` is `null` when no agent is available (the wait is unknown), else the
 * EWT in whole seconds, rounded up so a promise is never shorter than the estimate.
 * `maxWaitSeconds` and `expireAfterSeconds` are the thresholds in use (configured or learned),
 * in seconds, not rounded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Capacity } from '../capacity/capacity.js';
import type { Config } from '../config/schema.js';
import type { Milliseconds } from '../config/units.js';
import type { Clock } from '../util/clock.js';
import { createAdminAuth } from './admin-auth.js';
import type { RouteHandler } from './agents-api.js';
import { sendJson } from './respond.js';

/** The learned (or configured) thresholds, from the learning part. */
export type LearnedThresholds = () => {
  maxWaitMs: Milliseconds;
  expireAfterMs: Milliseconds;
  samples: number;
};

export interface CapacityApiDeps {
  config: Config;
  capacity: Capacity;
  clock: Clock;
  figures: LearnedThresholds;
}

/** The contract's reply, plus the figures behind it. */
export interface CapacityReply {
  agentsAvailable: number;
  freeSlots: number;
  queueLength: number;
  estimatedWaitSeconds: number | null;
  maxWaitSeconds: number;
  expireAfterSeconds: number;
  samples: number;
  servingSlots: number;
  conversations: number;
  reserved: number;
  averageHandleTimeSeconds: number;
}

/** Whole seconds, rounded up (`null` stays `null`). */
export function waitSeconds(ms: Milliseconds | null): number | null {
  return ms === null ? null : Math.ceil(ms / 1000);
}

export function createCapacityApi({
  config,
  capacity,
  clock,
  figures,
}: CapacityApiDeps): RouteHandler {
  const adminAuth = createAdminAuth(config);
  return (req: IncomingMessage, res: ServerResponse) => {
    if (adminAuth.refuse(req, res)) return;
    const snapshot = capacity.snapshot(clock.now());
    const learned = figures();
    const body: CapacityReply = {
      agentsAvailable: snapshot.agentsAvailable,
      freeSlots: snapshot.freeSlots,
      queueLength: snapshot.queueLength,
      estimatedWaitSeconds: waitSeconds(snapshot.estimatedWaitMs),
      maxWaitSeconds: learned.maxWaitMs / 1000,
      expireAfterSeconds: learned.expireAfterMs / 1000,
      samples: learned.samples,
      servingSlots: snapshot.servingSlots,
      conversations: snapshot.conversations,
      reserved: snapshot.reserved,
      averageHandleTimeSeconds: snapshot.averageHandleTimeMs / 1000,
    };
    sendJson(res, 200, body);
  };
}
