/**
 * The supervisor's statistics in Redis: every instance adds its own observations into shared
 * per-minute buckets, so `api/stats` on any instance shows the traffic of all. Keys, after the
 * prefix (`{m}` is the minute since the epoch):
 *
 * - `st:{m}`: the minute's bucket, a hash of counters added with `HINCRBY` (`c.{count}`,
 *   `d.{duration}.{bin}` for the histograms' bins, `t.{trigger}.{field}`, `p.{path}.{o|a}`),
 *   the capacity sampled (`g.{gauge}` last, `G.{gauge}` highest, `g@` when last, `samples`);
 * - `st:{m}:ids`: the first {@link MAX_IDS_PER_BUCKET} conversations accepted in the minute;
 * - `st:t:{conversationId}`: a visitor from acceptance to the end of the conversation (when
 *   it was accepted, assigned, first answered, what was promised), wherever those happen;
 * - `st:unattended`: conversations with an agent and no reply yet, by assignment time;
 * - `st:agents`, `st:status`: each agent's last status, and the last {@link MAX_STATUS_CHANGES}
 *   changes.
 *
 * Every key expires after the `bucketCount` minutes the buckets are kept (24 h). Counters and
 * histogram bins add up across instances. Sampled figures are not added: every instance
 * samples the same shared capacity, so a minute keeps the latest sample of any instance as its
 * last value and the highest of all as its maximum.
 */
import type { AgentStatus } from '../capacity/capacity.js';
import {
  type Bucket,
  type CountName,
  DEFAULT_BUCKETS,
  type DurationName,
  GAUGES,
  type GaugeName,
  MAX_IDS_PER_BUCKET,
  MAX_KEYS_PER_BUCKET,
  MAX_STATUS_CHANGES,
  MINUTE_MS,
  OTHER,
  type Stats,
  type StatsView,
} from '../console/stats/create-stats.js';
import { binOf } from '../console/stats/histogram.js';
import type { LiveFigures, StatusChange } from '../console/stats/stats-report.js';
import { judgeOnAssignment, judgeOnLeaving } from '../conversations/promise.js';
import { type Clock, systemClock } from '../util/clock.js';
import { bucketOf } from './_redis-stats-bucket.js';
import { ADD, READ, STEP } from './_redis-stats-scripts.js';
import type { RedisConnection } from './redis-connection.js';

type Args = (string | number)[];
/** The scripts as commands of the client and its pipelines: sent by SHA once Redis has them. */
interface StatsCommands {
  hgStatsAdd(...args: Args): Promise<unknown>;
  hgStatsStep(...args: Args): Promise<unknown>;
  hgStatsRead(...args: Args): Promise<unknown>;
}

/**
 * Minutes after which a bucket counts as settled: observations carry the time they happened
 * and are written within `store.timeout`, so a minute two minutes past gets no more of them
 * (short of clocks between instances differing by minutes).
 */
const SETTLED_AFTER_MINUTES = 2;
/**
 * How long a settled bucket is kept as read before it is read again (a report every 10 s
 * over 24 h then reads about 30 buckets instead of 1,440). A late observation for a settled
 * minute shows within this.
 */
const REREAD_MS = 5 * MINUTE_MS;

/** Minutes one read script covers: a script holds Redis up while it runs (about 10 ms). */
const MINUTES_PER_READ = 60;

const UNATTENDED_KEY = 'st:unattended';
const AGENTS_KEY = 'st:agents';
const STATUS_KEY = 'st:status';
const bucketKey = (minute: number) => `st:${minute}`;
const idsKey = (minute: number) => `st:${minute}:ids`;
const trackKey = (conversationId: string) => `st:t:${conversationId}`;

/** A visitor's track as Redis keeps it (times in ms; `promised` `''` for no promise). */
interface Track {
  trigger: string;
  firedAt: number;
  acceptedAt: number;
  /** `undefined` until the conversation's record is known. */
  promisedWaitSeconds: number | null | undefined;
  assignedAt: number | null;
}

/** One observation's operations, by minute. */
type Batch = Map<number, (string | number)[]>;

export interface RedisStatsOptions {
  connection: RedisConnection;
  /** Minutes kept; {@link DEFAULT_BUCKETS} (24 h) by default. */
  bucketCount?: number;
  /** For the minute of "now" (what is too old to keep); observations carry their own times. */
  clock?: Clock;
}

export interface RedisStats extends Stats {
  /** Redis commands sent so far (each one round trip's worth of work for Redis). */
  commands(): number;
}

export function createRedisStats(options: RedisStatsOptions): RedisStats {
  const { connection } = options;
  const clock = options.clock ?? systemClock;
  const bucketCount = options.bucketCount ?? DEFAULT_BUCKETS;
  const keepMs = bucketCount * MINUTE_MS;
  const pending = new Set<Promise<unknown>>();
  // `EVALSHA`, falling back to `EVAL` once after a Redis restart: the scripts' text (3 KB)
  // is not sent and hashed again with every observation.
  connection.redis.defineCommand('hgStatsAdd', { numberOfKeys: 6, lua: ADD });
  connection.redis.defineCommand('hgStatsStep', { numberOfKeys: 2, lua: STEP });
  // Its number of keys comes first in each call.
  connection.redis.defineCommand('hgStatsRead', { lua: READ });
  const commandsOf = <T>(client: T) => client as T & StatsCommands;
  let latest: LiveFigures | null = null;
  let sent = 0;
  /** Buckets of settled minutes as last read, so a report re-reads only recent ones. */
  const cache = new Map<number, { bucket: Bucket | null; readAt: number }>();

  /** Runs `write` in the background; a failure is in the connection's health already. */
  function background(write: () => Promise<unknown>): void {
    const running = write()
      .catch(() => {})
      .finally(() => pending.delete(running));
    pending.add(running);
  }

  const ops = (batch: Batch, at: number) => {
    const minute = Math.floor(at / MINUTE_MS);
    let list = batch.get(minute);
    if (list === undefined) {
      list = [];
      batch.set(minute, list);
    }
    return list;
  };
  const count = (batch: Batch, name: CountName, at: number) =>
    ops(batch, at).push('i', `c.${name}`, 1);
  const duration = (batch: Batch, name: DurationName, ms: number, at: number, trigger?: string) => {
    const bin = binOf(ms);
    ops(batch, at).push('i', `d.${name}.${bin}`, 1);
    if (trigger !== undefined) ops(batch, at).push('k', 't', trigger, `a${bin}`, 1);
  };
  const keyed = (batch: Batch, kind: 't' | 'p', name: string, field: string, at: number) =>
    ops(batch, at).push('k', kind, name, field, 1);
  const judge = (batch: Batch, verdict: 'kept' | 'broken' | null, at: number) => {
    if (verdict !== null) count(batch, verdict === 'kept' ? 'promisesKept' : 'promisesBroken', at);
  };
  const assign = (batch: Batch, track: Track, at: number) => {
    count(batch, 'assigned', at);
    duration(batch, 'queueWait', at - track.acceptedAt, at);
    duration(batch, 'fireToAgent', at - track.firedAt, at, track.trigger);
  };

  /** Sends a batch, one script call per minute (one, nearly always), in one round trip. */
  async function add(batch: Batch, trackOf?: string): Promise<number | undefined> {
    const oldest = Math.floor(clock.now() / MINUTE_MS) - bucketCount + 1;
    const calls = [...batch].filter(([minute]) => minute >= oldest);
    if (calls.length === 0) return undefined;
    const now = clock.now();
    sent += calls.length;
    const argsOf = (minute: number, list: Args): Args => [
      bucketKey(minute),
      idsKey(minute),
      UNATTENDED_KEY,
      AGENTS_KEY,
      STATUS_KEY,
      trackKey(trackOf ?? ''),
      Math.max(1, (minute + 1) * MINUTE_MS + keepMs - now),
      keepMs,
      now,
      OTHER,
      MAX_KEYS_PER_BUCKET,
      MAX_IDS_PER_BUCKET,
      MAX_STATUS_CHANGES,
      ...list,
    ];
    const [only] = calls;
    if (calls.length === 1 && only !== undefined) {
      // Nearly always: one call, without the cost of a pipeline.
      return (await connection.run((redis) =>
        commandsOf(redis).hgStatsAdd(...argsOf(...only)),
      )) as number;
    }
    const replies = await connection.run((redis) => {
      const pipeline = commandsOf(redis.pipeline());
      for (const [minute, list] of calls) pipeline.hgStatsAdd(...argsOf(minute, list));
      return pipeline.exec();
    });
    const failed = replies?.find(([error]) => error !== null);
    if (failed) throw failed[0];
    return replies?.at(-1)?.[1] as number | undefined;
  }

  /** Moves a track on (see {@link STEP}); `null` when there is nothing to count. */
  async function step(
    conversationId: string,
    name: 'opened' | 'assigned' | 'firstReply' | 'ended',
    value: string | number,
  ): Promise<{ judge: boolean; track: Track; fields: Record<string, string> } | null> {
    sent += 1;
    const reply = (await connection.run((redis) =>
      commandsOf(redis).hgStatsStep(
        trackKey(conversationId),
        UNATTENDED_KEY,
        name,
        value,
        conversationId,
        keepMs,
      ),
    )) as [number, string[]] | null;
    if (reply === null) return null;
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply[1].length; i += 2) fields[reply[1][i]!] = reply[1][i + 1]!;
    const time = (field: string) => (fields[field] === undefined ? null : Number(fields[field]));
    const track: Track = {
      trigger: fields.trigger ?? OTHER,
      firedAt: Number(fields.firedAt),
      acceptedAt: Number(fields.acceptedAt),
      promisedWaitSeconds:
        fields.promised === undefined
          ? undefined
          : fields.promised === ''
            ? null
            : Number(fields.promised),
      assignedAt: time('assignedAt'),
    };
    return { judge: reply[0] === 1, track, fields };
  }

  const stats: RedisStats = {
    bucketCount,

    triggerFired(name, at) {
      const batch: Batch = new Map();
      count(batch, 'triggersFired', at);
      keyed(batch, 't', name, 'fired', at);
      background(() => add(batch));
    },

    offerChanged(offer, assignedAt = null) {
      const at = offer.endedAt ?? offer.shownAt ?? offer.createdAt;
      const batch: Batch = new Map();
      let trackOf: string | undefined;
      switch (offer.state) {
        case 'pending':
          return;
        case 'shown':
          count(batch, 'offersShown', at);
          keyed(batch, 't', offer.trigger, 'offered', at);
          keyed(batch, 'p', offer.path, 'o', at);
          duration(batch, 'heldWait', at - offer.createdAt, at);
          break;
        case 'accepted': {
          count(batch, 'offersAccepted', at);
          keyed(batch, 't', offer.trigger, 'accepted', at);
          keyed(batch, 'p', offer.path, 'a', at);
          duration(batch, 'responseTime', at - (offer.shownAt ?? at), at);
          if (offer.conversationId === undefined) break;
          trackOf = offer.conversationId;
          const list = ops(batch, at);
          list.push('c', offer.conversationId);
          const track: Track = {
            trigger: offer.trigger,
            firedAt: offer.createdAt,
            acceptedAt: at,
            promisedWaitSeconds: undefined,
            assignedAt,
          };
          const fields: (string | number)[] = [
            'trigger',
            track.trigger,
            'firedAt',
            track.firedAt,
            'acceptedAt',
            at,
          ];
          if (assignedAt !== null) fields.push('assignedAt', assignedAt);
          list.push('T', fields.length / 2, ...fields);
          if (assignedAt !== null) {
            assign(batch, track, assignedAt);
            ops(batch, assignedAt).push('U', assignedAt, offer.conversationId);
          } else {
            count(batch, 'queued', at);
          }
          break;
        }
        default:
          // Never shown: the gate stayed closed while the page view lasted.
          if (offer.shownAt === undefined) {
            count(batch, 'missedForCapacity', at);
            keyed(batch, 't', offer.trigger, 'missed', at);
            break;
          }
          count(
            batch,
            offer.state === 'dismissed'
              ? 'offersDismissed'
              : offer.state === 'expired'
                ? 'offersExpired'
                : 'offersWithdrawn',
            at,
          );
      }
      background(() => add(batch, trackOf));
    },

    opened(conversationId, promisedWaitSeconds) {
      background(async () => {
        const moved = await step(conversationId, 'opened', promisedWaitSeconds ?? '');
        if (moved === null || !moved.judge || moved.track.assignedAt === null) return;
        const { acceptedAt, assignedAt } = moved.track;
        const batch: Batch = new Map();
        judge(
          batch,
          judgeOnAssignment({ acceptedAt, promisedWaitSeconds }, assignedAt),
          assignedAt,
        );
        await add(batch);
      });
    },

    assigned(conversationId, at) {
      background(async () => {
        const moved = await step(conversationId, 'assigned', at);
        if (moved === null) return;
        const batch: Batch = new Map();
        assign(batch, moved.track, at);
        const { acceptedAt, promisedWaitSeconds } = moved.track;
        if (moved.judge && promisedWaitSeconds !== undefined) {
          judge(batch, judgeOnAssignment({ acceptedAt, promisedWaitSeconds }, at), at);
        }
        await add(batch);
      });
    },

    firstReply(conversationId, at) {
      background(async () => {
        const moved = await step(conversationId, 'firstReply', at);
        if (moved === null || moved.track.assignedAt === null) return;
        const batch: Batch = new Map();
        count(batch, 'firstReplies', at);
        duration(batch, 'firstResponse', at - moved.track.assignedAt, at);
        await add(batch);
      });
    },

    ended(conversationId, at) {
      background(async () => {
        const moved = await step(conversationId, 'ended', at);
        if (moved === null) return;
        const { track } = moved;
        const batch: Batch = new Map();
        if (track.assignedAt !== null) {
          count(batch, 'conversationsEnded', at);
          duration(batch, 'conversationLength', at - track.assignedAt, at);
        } else {
          count(batch, 'abandoned', at);
          duration(batch, 'abandonedWait', at - track.acceptedAt, at);
          if (track.promisedWaitSeconds != null) {
            const facts = {
              acceptedAt: track.acceptedAt,
              promisedWaitSeconds: track.promisedWaitSeconds,
            };
            judge(batch, judgeOnLeaving(facts, at), at);
          }
        }
        await add(batch);
      });
    },

    sample(sample, at) {
      const agents: Record<AgentStatus, number> = { available: 0, busy: 0, away: 0 };
      let active = 0;
      const batch: Batch = new Map();
      const list = ops(batch, at);
      for (const agent of sample.agents) {
        agents[agent.status] += 1;
        active += agent.conversations;
        const change: StatusChange = {
          at,
          agent: agent.id,
          name: agent.name,
          status: agent.status,
        };
        list.push('s', agent.id, agent.status, JSON.stringify(change));
      }
      const figures: LiveFigures = {
        at,
        waiting: sample.queueLength,
        unattended: latest?.unattended ?? 0,
        active,
        agents,
        freeSlots: sample.freeSlots,
        estimatedWaitSeconds:
          sample.estimatedWaitMs === null ? null : Math.ceil(sample.estimatedWaitMs / 1000),
        maxWaitSeconds: sample.maxWaitMs / 1000,
        expireAfterSeconds: sample.expireAfterMs / 1000,
      };
      latest = figures;
      const values: Record<GaugeName, number | ''> = {
        estimatedWaitSeconds: figures.estimatedWaitSeconds ?? '',
        queueLength: figures.waiting,
        maxWaitSeconds: figures.maxWaitSeconds,
        expireAfterSeconds: figures.expireAfterSeconds,
        agentsAvailable: agents.available,
        agentsBusy: agents.busy,
        agentsAway: agents.away,
        freeSlots: figures.freeSlots,
        conversations: active,
        // Counted in Redis: the conversations of every instance.
        unattended: '',
      };
      list.push('g', at, GAUGES.length, ...GAUGES.flatMap((name) => [name, values[name]]));
      background(async () => {
        const unattended = await add(batch);
        if (unattended !== undefined && latest === figures) figures.unattended = unattended;
      });
    },

    async read(fromMinute, toMinute) {
      await stats.flush();
      const now = clock.now();
      const settledUpTo = Math.floor(now / MINUTE_MS) - SETTLED_AFTER_MINUTES;
      for (const minute of cache.keys()) {
        if (minute < Math.floor(now / MINUTE_MS) - bucketCount) cache.delete(minute);
      }
      const minutes: number[] = [];
      for (let minute = fromMinute; minute <= toMinute; minute++) {
        const cached = cache.get(minute);
        if (cached === undefined || minute > settledUpTo || now - cached.readAt > REREAD_MS) {
          minutes.push(minute);
        }
      }
      const chunks: number[][] = [];
      for (let i = 0; i < minutes.length; i += MINUTES_PER_READ) {
        chunks.push(minutes.slice(i, i + MINUTES_PER_READ));
      }
      const replies = await connection.run((redis) => {
        const pipeline = commandsOf(redis.pipeline());
        for (const chunk of chunks) {
          pipeline.hgStatsRead(
            chunk.length * 2,
            ...chunk.flatMap((minute) => [bucketKey(minute), idsKey(minute)]),
          );
        }
        pipeline.lrange(STATUS_KEY, 0, -1);
        pipeline.zcount(UNATTENDED_KEY, now - keepMs, '+inf');
        return pipeline.exec();
      });
      if (replies === null) throw new Error('pipeline discarded');
      const failed = replies.find(([error]) => error !== null);
      if (failed) throw failed[0];
      const fresh = new Map<number, Bucket | null>();
      chunks.forEach((chunk, index) => {
        const read = JSON.parse(replies[index]![1] as string) as unknown;
        chunk.forEach((minute, i) => {
          const [flat, ids] = (Array.isArray(read) ? read[i] : undefined) ?? [];
          // cjson writes an empty table as `{}`: no fields, no ids.
          const fields = Array.isArray(flat) ? (flat as string[]) : [];
          const bucket =
            fields.length > 0
              ? bucketOf(minute, fields, Array.isArray(ids) ? (ids as string[]) : [])
              : null;
          fresh.set(minute, bucket);
          if (minute <= settledUpTo) cache.set(minute, { bucket, readAt: now });
        });
      });
      const changes = (replies[chunks.length]![1] as string[])
        .map((json) => JSON.parse(json) as StatusChange)
        .reverse();
      const unattended = replies[chunks.length + 1]![1] as number;
      const live = latest === null ? null : { ...latest, unattended };
      const view: StatsView = {
        bucketCount,
        bucket: (minute) =>
          (fresh.has(minute) ? fresh.get(minute) : cache.get(minute)?.bucket) ?? undefined,
        latest: () => live,
        statusChanges: (from, to) => changes.filter((c) => c.at >= from && c.at <= to),
      };
      return view;
    },

    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    commands: () => sent,
  };
  return stats;
}
