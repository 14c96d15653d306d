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
  COUNTS,
  type CountName,
  DEFAULT_BUCKETS,
  DURATIONS,
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
  type TriggerCounts,
} from '../console/stats/create-stats.js';
import { binOf, HISTOGRAM_BINS } from '../console/stats/histogram.js';
import type { LiveFigures, StatusChange } from '../console/stats/stats-report.js';
import { judgeOnAssignment, judgeOnLeaving } from '../conversations/promise.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { RedisConnection } from './redis-connection.js';

type Args = (string | number)[];
/** The scripts as commands of the client and its pipelines: sent by SHA once Redis has them. */
interface StatsCommands {
  hgStatsAdd(...args: Args): Promise<unknown>;
  hgStatsStep(...args: Args): Promise<unknown>;
  hgStatsRead(...args: Args): Promise<unknown>;
}

/**
 * Adds one minute's observations: a list of operations, each a code and its arguments.
 * KEYS: bucket, its ids, unattended, agents, status changes, the track (`T`).
 * ARGV: bucket ttl, keep (ms), now, `(other)`, keys per bucket, ids per bucket, status
 * changes kept, then the operations:
 * `i field n` add; `k kind name field n` add to a trigger's (`t`) or page's (`p`) counter,
 * past the bound to `(other)`'s; `c id` a conversation id; `g at n name value …` a capacity
 * sample (`''` for unknown); `s agent status json` a status, logged if it changed;
 * `T n field value …` a new track; `U at id` assigned, no reply yet.
 * Answers the conversations unattended after it.
 */
const ADD = `
local bucket, ids, unattended, agents, status, track = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local keep, now = tonumber(ARGV[2]), tonumber(ARGV[3])
local other, maxKeys, maxIds, maxStatus = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local i = 8
local statuses = false
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'i' then
    redis.call('HINCRBY', bucket, ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  elseif op == 'k' then
    local kind, name = ARGV[i + 1], ARGV[i + 2]
    if redis.call('HEXISTS', bucket, kind .. ':' .. name) == 0 then
      if tonumber(redis.call('HGET', bucket, kind .. '#') or '0') < maxKeys then
        redis.call('HINCRBY', bucket, kind .. '#', 1)
      else
        name = other
      end
      redis.call('HSET', bucket, kind .. ':' .. name, 1)
    end
    redis.call('HINCRBY', bucket, kind .. '.' .. name .. '.' .. ARGV[i + 3], ARGV[i + 4])
    i = i + 5
  elseif op == 'c' then
    if redis.call('LLEN', ids) < maxIds then redis.call('RPUSH', ids, ARGV[i + 1]) end
    redis.call('PEXPIRE', ids, ARGV[1])
    i = i + 2
  elseif op == 'g' then
    local at, n = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
    local latest = at >= tonumber(redis.call('HGET', bucket, 'g@') or '-1')
    redis.call('ZREMRANGEBYSCORE', unattended, '-inf', now - keep)
    local maxFields, set = {}, {}
    for j = 0, n - 1 do maxFields[j + 1] = 'G.' .. ARGV[i + 3 + 2 * j] end
    local maxes = redis.call('HMGET', bucket, unpack(maxFields))
    for j = 0, n - 1 do
      local name, value = ARGV[i + 3 + 2 * j], ARGV[i + 4 + 2 * j]
      if name == 'unattended' then value = tostring(redis.call('ZCARD', unattended)) end
      if latest then
        set[#set + 1] = 'g.' .. name
        set[#set + 1] = value
      end
      if value ~= '' and (not maxes[j + 1] or tonumber(value) > tonumber(maxes[j + 1])) then
        set[#set + 1] = maxFields[j + 1]
        set[#set + 1] = value
      end
    end
    if latest then
      set[#set + 1] = 'g@'
      set[#set + 1] = at
    end
    if #set > 0 then redis.call('HSET', bucket, unpack(set)) end
    redis.call('HINCRBY', bucket, 'samples', 1)
    i = i + 3 + 2 * n
  elseif op == 's' then
    if redis.call('HGET', agents, ARGV[i + 1]) ~= ARGV[i + 2] then
      redis.call('HSET', agents, ARGV[i + 1], ARGV[i + 2])
      redis.call('LPUSH', status, ARGV[i + 3])
      redis.call('LTRIM', status, 0, maxStatus - 1)
    end
    statuses = true
    i = i + 4
  elseif op == 'T' then
    local n = tonumber(ARGV[i + 1])
    if redis.call('EXISTS', track) == 0 then
      for j = 0, n - 1 do redis.call('HSET', track, ARGV[i + 2 + 2 * j], ARGV[i + 3 + 2 * j]) end
      redis.call('PEXPIRE', track, keep)
    end
    i = i + 2 + 2 * n
  elseif op == 'U' then
    redis.call('ZADD', unattended, ARGV[i + 1], ARGV[i + 2])
    redis.call('PEXPIRE', unattended, keep)
    i = i + 3
  else
    return redis.error_reply('unknown operation ' .. op)
  end
end
redis.call('PEXPIRE', bucket, ARGV[1])
if statuses then
  redis.call('PEXPIRE', agents, keep)
  redis.call('PEXPIRE', status, keep)
end
return redis.call('ZCARD', unattended)
`;

/**
 * Moves a visitor's track on, once across instances: `opened` (the promise), `assigned`,
 * `firstReply` each set their field only if unset, and the promise is judged by whichever
 * call finds both the promise and the assignment first; `ended` takes the track away.
 * KEYS: track, unattended. ARGV: step, value, conversation id, keep (ms).
 * Answers nil when there is nothing to do, else `{judge now (0/1), the track's fields}`.
 */
const STEP = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local step, judge = ARGV[1], 0
if step == 'ended' then
  local fields = redis.call('HGETALL', KEYS[1])
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return {0, fields}
elseif step == 'opened' then
  if redis.call('HSETNX', KEYS[1], 'promised', ARGV[2]) == 0 then return false end
  if redis.call('HEXISTS', KEYS[1], 'assignedAt') == 1 then
    judge = redis.call('HSETNX', KEYS[1], 'judged', 1)
  end
elseif step == 'assigned' then
  if redis.call('HSETNX', KEYS[1], 'assignedAt', ARGV[2]) == 0 then return false end
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  if redis.call('HEXISTS', KEYS[1], 'promised') == 1 then
    judge = redis.call('HSETNX', KEYS[1], 'judged', 1)
  end
elseif step == 'firstReply' then
  if redis.call('HEXISTS', KEYS[1], 'assignedAt') == 0 then return false end
  if redis.call('HSETNX', KEYS[1], 'firstReplyAt', ARGV[2]) == 0 then return false end
  redis.call('ZREM', KEYS[2], ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {judge, redis.call('HGETALL', KEYS[1])}
`;

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

/**
 * Reads buckets and their ids (KEYS: bucket, ids, bucket, ids, …) as one JSON text of
 * `[[fields and values…], [ids…]]` per minute: one string to decode instead of hundreds of
 * replies per bucket (2.5 times faster for 24 hours).
 */
const READ = `
local out = {}
for i = 1, #KEYS, 2 do
  out[#out + 1] = { redis.call('HGETALL', KEYS[i]), redis.call('LRANGE', KEYS[i + 1], 0, -1) }
end
return cjson.encode(out)
`;
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

/** A bucket read back from its hash and its list of ids. */
function bucketOf(minute: number, flat: readonly string[], ids: readonly string[]): Bucket {
  const bucket: Bucket = {
    minute,
    counts: new Uint32Array(COUNTS.length),
    durations: new Uint32Array(DURATIONS.length * HISTOGRAM_BINS),
    last: new Float64Array(GAUGES.length).fill(Number.NaN),
    max: new Float64Array(GAUGES.length).fill(Number.NaN),
    samples: 0,
    triggers: undefined,
    pages: undefined,
    conversationIds: ids.length > 0 ? [...ids] : undefined,
  };
  const number = (value: string) => (value === '' ? Number.NaN : Number(value));
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    const value = flat[i + 1]!;
    if (field === 'samples') bucket.samples = Number(value);
    const kind = field.slice(0, 2);
    const rest = field.slice(2);
    if (kind === 'c.') {
      const index = COUNTS.indexOf(rest as CountName);
      if (index >= 0) bucket.counts[index] = Number(value);
    } else if (kind === 'd.') {
      const dot = rest.lastIndexOf('.');
      const index = DURATIONS.indexOf(rest.slice(0, dot) as DurationName);
      const bin = Number(rest.slice(dot + 1));
      if (index >= 0 && bin >= 0 && bin < HISTOGRAM_BINS) {
        bucket.durations[index * HISTOGRAM_BINS + bin] = Number(value);
      }
    } else if (kind === 'g.' || kind === 'G.') {
      const index = GAUGES.indexOf(rest as GaugeName);
      if (index >= 0) (kind === 'g.' ? bucket.last : bucket.max)[index] = number(value);
    } else if (kind === 't.') {
      const dot = rest.lastIndexOf('.');
      triggerOf(bucket, rest.slice(0, dot), rest.slice(dot + 1), Number(value));
    } else if (kind === 'p.') {
      const dot = rest.lastIndexOf('.');
      bucket.pages ??= new Map();
      const path = rest.slice(0, dot);
      const counts = bucket.pages.get(path) ?? { offered: 0, accepted: 0 };
      counts[rest.slice(dot + 1) === 'o' ? 'offered' : 'accepted'] += Number(value);
      bucket.pages.set(path, counts);
    }
  }
  return bucket;
}

function triggerOf(bucket: Bucket, name: string, field: string, value: number): void {
  bucket.triggers ??= new Map();
  let counts = bucket.triggers.get(name);
  if (counts === undefined) {
    counts = {
      fired: 0,
      offered: 0,
      accepted: 0,
      missed: 0,
      fireToAgent: new Uint32Array(HISTOGRAM_BINS),
    };
    bucket.triggers.set(name, counts);
  }
  if (/^a\d+$/.test(field)) {
    const bin = Number(field.slice(1));
    if (bin < HISTOGRAM_BINS) counts.fireToAgent[bin] = value;
  } else if (field in counts && field !== 'fireToAgent') {
    counts[field as Exclude<keyof TriggerCounts, 'fireToAgent'>] = value;
  }
}
