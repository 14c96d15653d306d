/**
 * The supervisor's statistics: what happened to offers, visitors and agents, minute by minute
 * (issue "the supervisor view"). Pure and bounded: every event is counted into the bucket of
 * its minute in a ring of `bucketCount` buckets (1,440 = 24 h by default), durations into
 * fixed-bin histograms, and the capacity is sampled (last and max per minute). The parts
 * report events through {@link observeForStats}; `api/stats` reads a window of buckets back
 * through {@link summariseStats}.
 */
import type { AgentStatus, AgentView } from '../../capacity/capacity.js';
import { judgeOnAssignment, judgeOnLeaving } from '../../conversations/promise.js';
import type { OfferRecord } from '../../offers/offer-record.js';
import { binOf, HISTOGRAM_BINS } from './histogram.js';
import type { LiveFigures, StatusChange } from './stats-report.js';

/** Events counted per minute. */
export const COUNTS = [
  'triggersFired',
  'offersShown',
  'offersAccepted',
  'offersDismissed',
  'offersExpired',
  'offersWithdrawn',
  'missedForCapacity',
  'queued',
  'assigned',
  'firstReplies',
  'conversationsEnded',
  'abandoned',
  'promisesKept',
  'promisesBroken',
] as const;
export type CountName = (typeof COUNTS)[number];

/** Durations kept as per-minute histograms. */
export const DURATIONS = [
  'responseTime',
  'heldWait',
  'queueWait',
  'fireToAgent',
  'firstResponse',
  'conversationLength',
  'abandonedWait',
] as const;
export type DurationName = (typeof DURATIONS)[number];

/** Figures sampled from the capacity (last and max per minute). */
export const GAUGES = [
  'estimatedWaitSeconds',
  'queueLength',
  'maxWaitSeconds',
  'expireAfterSeconds',
  'agentsAvailable',
  'agentsBusy',
  'agentsAway',
  'freeSlots',
  'conversations',
  'unattended',
] as const;
export type GaugeName = (typeof GAUGES)[number];

/** Buckets kept by default: one a minute for 24 hours. */
export const DEFAULT_BUCKETS = 1440;
export const MINUTE_MS = 60_000;
/** Distinct triggers and pages a bucket counts; more go to {@link OTHER}. */
export const MAX_KEYS_PER_BUCKET = 32;
export const OTHER = '(other)';
/** Conversation ids a bucket names (those accepted in its minute), so a point links to them. */
export const MAX_IDS_PER_BUCKET = 20;
/** Conversations followed from acceptance to their end (bounded as the queue is). */
export const MAX_TRACKED = 10_000;
/** Agent status changes kept for the timeline. */
export const MAX_STATUS_CHANGES = 500;

export interface TriggerCounts {
  fired: number;
  offered: number;
  accepted: number;
  missed: number;
  /** Histogram of firing → an agent, {@link HISTOGRAM_BINS} bins. */
  fireToAgent: Uint32Array;
}

export interface PageCounts {
  offered: number;
  accepted: number;
}

/** One minute's figures. */
export interface Bucket {
  /** Minutes since the epoch; the ring slot is reused for `minute + bucketCount`. */
  minute: number;
  counts: Uint32Array;
  /** {@link DURATIONS}.length histograms of {@link HISTOGRAM_BINS} bins, one after another. */
  durations: Uint32Array;
  /** Last sampled value per gauge; NaN when none (or unknown, as a wait with no agent). */
  last: Float64Array;
  max: Float64Array;
  samples: number;
  triggers: Map<string, TriggerCounts> | undefined;
  pages: Map<string, PageCounts> | undefined;
  /** Conversations accepted in the minute, first {@link MAX_IDS_PER_BUCKET}. */
  conversationIds: string[] | undefined;
}

/** What the capacity looked like at a moment. */
export interface CapacitySample {
  /** `null` while no agent is available. */
  estimatedWaitMs: number | null;
  queueLength: number;
  freeSlots: number;
  maxWaitMs: number;
  expireAfterMs: number;
  agents: readonly Pick<AgentView, 'id' | 'name' | 'status' | 'conversations'>[];
}

/** A visitor from acceptance until their conversation ends. */
interface Track {
  trigger: string;
  firedAt: number;
  acceptedAt: number;
  /** `undefined` until the conversation's record is known. */
  promisedWaitSeconds: number | null | undefined;
  assignedAt: number | null;
  firstReplyAt: number | null;
  judged: boolean;
}

/** What {@link summariseStats} reads: the buckets of a window, the live tiles, the timeline. */
export interface StatsView {
  readonly bucketCount: number;
  /** The bucket of `minute`, if kept. */
  bucket(minute: number): Bucket | undefined;
  latest(): LiveFigures | null;
  statusChanges(from: number, to: number): StatusChange[];
}

/**
 * The supervisor's statistics: observations in, a window of buckets out. The memory store
 * keeps them in this process; a shared store (Redis) adds every instance's observations into
 * the same buckets. Observations return at once; a shared store writes them in the background.
 */
export interface Stats {
  readonly bucketCount: number;
  triggerFired(name: string, at: number): void;
  /**
   * An offer changed state (its own timestamps say when). `assignedAt` is the time its
   * conversation got an agent when that happened on acceptance (an accepted offer only).
   */
  offerChanged(offer: OfferRecord, assignedAt?: number | null): void;
  /** The conversation's record: the promise made on acceptance. */
  opened(conversationId: string, promisedWaitSeconds: number | null): void;
  /** A queued visitor got an agent. */
  assigned(conversationId: string, at: number): void;
  /** The agent's first message. */
  firstReply(conversationId: string, at: number): void;
  /** The conversation ended (by either side, or the visitor left the queue). */
  ended(conversationId: string, at: number): void;
  sample(sample: CapacitySample, at: number): void;
  /** The buckets of minutes `fromMinute … toMinute` (inclusive), read for a report. */
  read(fromMinute: number, toMinute: number): Promise<StatsView>;
  /** Resolves once every observation made so far is stored. */
  flush(): Promise<void>;
}

/** The statistics of this process, read synchronously. */
export interface MemoryStats extends Stats, StatsView {}

export function createStats(options: { bucketCount?: number } = {}): MemoryStats {
  const bucketCount = options.bucketCount ?? DEFAULT_BUCKETS;
  const ring: (Bucket | undefined)[] = new Array(bucketCount);
  const tracks = new Map<string, Track>();
  const statusOf = new Map<string, AgentStatus>();
  const changes: StatusChange[] = [];
  let latest: LiveFigures | null = null;

  /** The bucket of time `at`, reset when its slot held an older minute; `undefined` if stale. */
  function bucketAt(at: number): Bucket | undefined {
    const minute = Math.floor(at / MINUTE_MS);
    const slot = ((minute % bucketCount) + bucketCount) % bucketCount;
    let bucket = ring[slot];
    if (bucket === undefined) {
      bucket = newBucket(minute);
      ring[slot] = bucket;
    } else if (bucket.minute < minute) {
      resetBucket(bucket, minute);
    } else if (bucket.minute > minute) {
      // An event older than the ring: its minute is gone.
      return undefined;
    }
    return bucket;
  }

  function count(name: CountName, at: number): void {
    const bucket = bucketAt(at);
    if (bucket) bucket.counts[COUNTS.indexOf(name)]! += 1;
  }

  function duration(name: DurationName, ms: number, at: number, trigger?: string): void {
    const bucket = bucketAt(at);
    if (bucket === undefined) return;
    const bin = binOf(ms);
    bucket.durations[DURATIONS.indexOf(name) * HISTOGRAM_BINS + bin]! += 1;
    if (trigger !== undefined) triggerIn(bucket, trigger).fireToAgent[bin]! += 1;
  }

  function trigger(name: string, at: number, field: Exclude<keyof TriggerCounts, 'fireToAgent'>) {
    const bucket = bucketAt(at);
    if (bucket) triggerIn(bucket, name)[field] += 1;
  }

  function page(path: string, at: number, field: keyof PageCounts) {
    const bucket = bucketAt(at);
    if (bucket === undefined) return;
    bucket.pages ??= new Map();
    let counts = bucket.pages.get(path);
    if (counts === undefined) {
      const key = bucket.pages.size < MAX_KEYS_PER_BUCKET ? path : OTHER;
      counts = bucket.pages.get(key) ?? { offered: 0, accepted: 0 };
      bucket.pages.set(key, counts);
    }
    counts[field] += 1;
  }

  function judge(verdict: 'kept' | 'broken' | null, at: number): void {
    if (verdict !== null) count(verdict === 'kept' ? 'promisesKept' : 'promisesBroken', at);
  }

  function assign(track: Track, at: number): void {
    track.assignedAt = at;
    count('assigned', at);
    duration('queueWait', at - track.acceptedAt, at);
    duration('fireToAgent', at - track.firedAt, at, track.trigger);
    if (track.promisedWaitSeconds !== undefined) {
      track.judged = true;
      judge(
        judgeOnAssignment({ ...track, promisedWaitSeconds: track.promisedWaitSeconds }, at),
        at,
      );
    }
  }

  const stats: MemoryStats = {
    bucketCount,

    triggerFired(name, at) {
      count('triggersFired', at);
      trigger(name, at, 'fired');
    },

    offerChanged(offer, assignedAt = null) {
      const at = offer.endedAt ?? offer.shownAt ?? offer.createdAt;
      switch (offer.state) {
        case 'pending':
          return;
        case 'shown':
          count('offersShown', at);
          trigger(offer.trigger, at, 'offered');
          page(offer.path, at, 'offered');
          duration('heldWait', at - offer.createdAt, at);
          return;
        case 'accepted': {
          count('offersAccepted', at);
          trigger(offer.trigger, at, 'accepted');
          page(offer.path, at, 'accepted');
          duration('responseTime', at - (offer.shownAt ?? at), at);
          if (offer.conversationId === undefined) return;
          const bucket = bucketAt(at);
          if (bucket) {
            bucket.conversationIds ??= [];
            if (bucket.conversationIds.length < MAX_IDS_PER_BUCKET) {
              bucket.conversationIds.push(offer.conversationId);
            }
          }
          const track: Track = {
            trigger: offer.trigger,
            firedAt: offer.createdAt,
            acceptedAt: at,
            promisedWaitSeconds: undefined,
            assignedAt: null,
            firstReplyAt: null,
            judged: false,
          };
          tracks.set(offer.conversationId, track);
          // Bounded like the queue it follows: the oldest go first.
          if (tracks.size > MAX_TRACKED) tracks.delete(tracks.keys().next().value!);
          if (assignedAt !== null) assign(track, assignedAt);
          else count('queued', at);
          return;
        }
        default:
          // Never shown: the gate stayed closed while the page view lasted.
          if (offer.shownAt === undefined) {
            count('missedForCapacity', at);
            trigger(offer.trigger, at, 'missed');
            return;
          }
          count(
            offer.state === 'dismissed'
              ? 'offersDismissed'
              : offer.state === 'expired'
                ? 'offersExpired'
                : 'offersWithdrawn',
            at,
          );
      }
    },

    opened(conversationId, promisedWaitSeconds) {
      const track = tracks.get(conversationId);
      if (track === undefined || track.promisedWaitSeconds !== undefined) return;
      track.promisedWaitSeconds = promisedWaitSeconds;
      if (track.assignedAt !== null && !track.judged) {
        track.judged = true;
        const facts = { acceptedAt: track.acceptedAt, promisedWaitSeconds };
        judge(judgeOnAssignment(facts, track.assignedAt), track.assignedAt);
      }
    },

    assigned(conversationId, at) {
      const track = tracks.get(conversationId);
      if (track !== undefined && track.assignedAt === null) assign(track, at);
    },

    firstReply(conversationId, at) {
      const track = tracks.get(conversationId);
      if (track === undefined || track.assignedAt === null || track.firstReplyAt !== null) return;
      track.firstReplyAt = at;
      count('firstReplies', at);
      duration('firstResponse', at - track.assignedAt, at);
    },

    ended(conversationId, at) {
      const track = tracks.get(conversationId);
      if (track === undefined) return;
      tracks.delete(conversationId);
      if (track.assignedAt !== null) {
        count('conversationsEnded', at);
        duration('conversationLength', at - track.assignedAt, at);
        return;
      }
      count('abandoned', at);
      duration('abandonedWait', at - track.acceptedAt, at);
      if (track.promisedWaitSeconds != null) {
        const facts = {
          acceptedAt: track.acceptedAt,
          promisedWaitSeconds: track.promisedWaitSeconds,
        };
        judge(judgeOnLeaving(facts, at), at);
      }
    },

    sample(sample, at) {
      const agents: Record<AgentStatus, number> = { available: 0, busy: 0, away: 0 };
      let active = 0;
      for (const agent of sample.agents) {
        agents[agent.status] += 1;
        active += agent.conversations;
        if (statusOf.get(agent.id) !== agent.status) {
          statusOf.set(agent.id, agent.status);
          changes.push({ at, agent: agent.id, name: agent.name, status: agent.status });
          if (changes.length > MAX_STATUS_CHANGES) changes.shift();
        }
      }
      let unattended = 0;
      for (const track of tracks.values()) {
        if (track.assignedAt !== null && track.firstReplyAt === null) unattended++;
      }
      latest = {
        at,
        waiting: sample.queueLength,
        unattended,
        active,
        agents,
        freeSlots: sample.freeSlots,
        estimatedWaitSeconds:
          sample.estimatedWaitMs === null ? null : Math.ceil(sample.estimatedWaitMs / 1000),
        maxWaitSeconds: sample.maxWaitMs / 1000,
        expireAfterSeconds: sample.expireAfterMs / 1000,
      };
      const bucket = bucketAt(at);
      if (bucket === undefined) return;
      const values: Record<GaugeName, number> = {
        estimatedWaitSeconds: latest.estimatedWaitSeconds ?? Number.NaN,
        queueLength: latest.waiting,
        maxWaitSeconds: latest.maxWaitSeconds,
        expireAfterSeconds: latest.expireAfterSeconds,
        agentsAvailable: agents.available,
        agentsBusy: agents.busy,
        agentsAway: agents.away,
        freeSlots: latest.freeSlots,
        conversations: active,
        unattended,
      };
      GAUGES.forEach((name, index) => {
        const value = values[name];
        bucket.last[index] = value;
        // NaN (unknown) never wins a max: `NaN > x` is false.
        if (!(bucket.max[index]! >= value)) bucket.max[index] = value;
      });
      bucket.samples += 1;
    },

    latest: () => latest,

    bucket(minute) {
      const bucket = ring[((minute % bucketCount) + bucketCount) % bucketCount];
      return bucket?.minute === minute ? bucket : undefined;
    },

    statusChanges(from, to) {
      return changes.filter((change) => change.at >= from && change.at <= to);
    },

    read: async () => stats,
    flush: async () => {},
  };
  return stats;
}

function triggerIn(bucket: Bucket, name: string): TriggerCounts {
  bucket.triggers ??= new Map();
  let counts = bucket.triggers.get(name);
  if (counts === undefined) {
    const key = bucket.triggers.size < MAX_KEYS_PER_BUCKET ? name : OTHER;
    counts = bucket.triggers.get(key) ?? newTriggerCounts();
    bucket.triggers.set(key, counts);
  }
  return counts;
}

/** A trigger's counts in a bucket, all zero. */
export function newTriggerCounts(): TriggerCounts {
  return {
    fired: 0,
    offered: 0,
    accepted: 0,
    missed: 0,
    fireToAgent: new Uint32Array(HISTOGRAM_BINS),
  };
}

/** An empty bucket of `minute`. */
export function newBucket(minute: number): Bucket {
  return {
    minute,
    counts: new Uint32Array(COUNTS.length),
    durations: new Uint32Array(DURATIONS.length * HISTOGRAM_BINS),
    last: new Float64Array(GAUGES.length).fill(Number.NaN),
    max: new Float64Array(GAUGES.length).fill(Number.NaN),
    samples: 0,
    triggers: undefined,
    pages: undefined,
    conversationIds: undefined,
  };
}

function resetBucket(bucket: Bucket, minute: number): void {
  bucket.minute = minute;
  bucket.counts.fill(0);
  bucket.durations.fill(0);
  bucket.last.fill(Number.NaN);
  bucket.max.fill(Number.NaN);
  bucket.samples = 0;
  bucket.triggers = undefined;
  bucket.pages = undefined;
  bucket.conversationIds = undefined;
}
