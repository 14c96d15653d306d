/**
 * Conversations in Redis (`store.kind: redis`), shared by every instance: a follower on one
 * instance sees what is appended through another, and a reconnect to any instance resumes
 * after its `Last-Event-ID`. Keys, after the prefix:
 *
 * - `c:{id}`: a hash with the record (a field per record key, `r:<key>`, JSON each, so an update
 *   writes only its fields), the folded state (`state`), its version (`v`) and the last id;
 * - `c:{id}:log`: the event log, a Redis Stream (`XADD … MAXLEN ~ keepEvents`); its entry ids
 *   are the `Last-Event-ID` values, each entry holding the event (`e`) and the id before it
 *   (`p`), which tells what a trimmed log can still replay;
 * - `convs`: a sorted set of conversation ids by last activity, for `size()` and the
 *   `maxConversations` bound.
 *
 * Every key expires `keepFor` after the conversation's last activity. An append folds the state
 * with the one fold (`applyChatEvent`) here, then writes the event and the state in one
 * script only if the state's version is still the one it folded (a compare-and-set, retried):
 * the event is logged and folded exactly once, in the stream's order, with several instances
 * appending at once. `typing` goes over pub/sub (one channel for the prefix), never logged.
 */
import type { Redis } from 'ioredis';
import type { Milliseconds } from '../config/units.js';
import {
  applyChatEvent,
  type ChatEvent,
  type ChatState,
  INITIAL_CHAT_STATE,
  type TypingEvent,
} from '../conversations/chat-event.js';
import type { ConversationRecord } from '../conversations/conversation-record.js';
import type {
  ChatFollower,
  ChatReplay,
  ConversationStore,
  LoggedChatEvent,
} from '../conversations/conversation-store.js';
import { HelpgateError } from '../errors.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { RedisConnection } from './redis-connection.js';
import { createStreamReader } from './redis-stream-reader.js';
import { isStreamId } from './stream-id.js';

/** How often an append is tried when other instances appended in between. */
const APPEND_ATTEMPTS = 50;
/** How often `size()` is refreshed without writes (also a probe of the connection). */
const SIZE_REFRESH_MS = 5_000;
const RECORD_FIELD = 'r:';

/**
 * Shared by the writing scripts: marks activity in the index, drops what is past keepFor,
 * evicts the least recently active past the bound. ARGV[1..4]: id, now, keepFor, max;
 * ARGV[5]: the full key prefix. Returns the count kept.
 */
const INDEX = `
local function index(indexKey)
  local id, now, keepFor, max = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
  redis.call('ZADD', indexKey, now, id)
  redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', '(' .. (now - tonumber(keepFor)))
  local count = redis.call('ZCARD', indexKey)
  while count > max do
    local oldest = redis.call('ZPOPMIN', indexKey)[1]
    redis.call('DEL', ARGV[5] .. 'c:' .. oldest, ARGV[5] .. 'c:' .. oldest .. ':log')
    count = count - 1
  end
  redis.call('PEXPIRE', indexKey, keepFor)
  return count
end
`;

/** KEYS: hash, log, index. ARGV: INDEX's, state JSON, then record field/value pairs. */
const CREATE = `${INDEX}
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'state', ARGV[6], 'v', '0', unpack(ARGV, 7))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return index(KEYS[3])
`;

/**
 * KEYS: hash, log, index. ARGV: INDEX's, expected version, event JSON, state JSON, keepEvents.
 * Returns {0} when unknown, {-1, version, state} when the version moved on, else {1, id, count}.
 */
const APPEND = `${INDEX}
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return {0} end
if v ~= ARGV[6] then return {-1, v, redis.call('HGET', KEYS[1], 'state')} end
-- Each entry names the one before it: once the oldest are trimmed, the first kept entry says
-- which id a replay may still start after (Redis does not record what trimming dropped).
local previous = redis.call('HGET', KEYS[1], 'last') or ''
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[9], '*', 'e', ARGV[7], 'p', previous)
redis.call('HSET', KEYS[1], 'state', ARGV[8], 'v', tostring(tonumber(v) + 1), 'last', id)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {1, id, index(KEYS[3])}
`;

/**
 * KEYS: hash, log. ARGV: the id to replay after ('' for the start, 'x' for an id that is none).
 * Returns {0} when unknown, {1, last, 'events', id, json, id, json, …} when every event after
 * it is kept, else {1, last, 'reset', state}. One script: the replay and the last id it ends
 * at are one moment.
 */
const FOLLOW = `
local h = redis.call('HMGET', KEYS[1], 'v', 'state', 'last')
if not h[1] then return {0} end
local last = h[3] or ''
local after = ARGV[1]
-- Well-formed ids (no leading zeros) compare by length, then as text: no precision lost.
local function before(a, b)
  local am, as = string.match(a, '^(%d+)%-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)%-(%d+)$')
  if #am ~= #bm then return #am < #bm end
  if am ~= bm then return am < bm end
  if #as ~= #bs then return #as < #bs end
  return as < bs
end
local kept
if after == 'x' then
  kept = false
elseif last == '' then
  kept = after == ''
else
  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  if not first then
    -- The log is gone while the state is not (evicted under maxmemory): the state still is.
    kept = false
  elseif after == '' then
    kept = first[2][4] == ''
  else
    kept = (after == first[2][4] or not before(after, first[1])) and not before(last, after)
  end
end
if not kept then return {1, last, 'reset', h[2]} end
local out = {1, last, 'events'}
if last ~= '' and after ~= last then
  local from = after == '' and '-' or '(' .. after
  for _, entry in ipairs(redis.call('XRANGE', KEYS[2], from, '+')) do
    out[#out + 1] = entry[1]
    out[#out + 1] = entry[2][2]
  end
end
return out
`;

/**
 * The record's fields of a conversation's hash, without the state: a record is read on every
 * message and typing signal, and the state (the kept messages) is most of the hash.
 */
const RECORD_FIELDS = `
local function recordFields(key)
  local all = redis.call('HGETALL', key)
  local out = {}
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 2) == 'r:' then
      out[#out + 1] = all[i]
      out[#out + 1] = all[i + 1]
    end
  end
  return out
end
`;

/** KEYS: hash. Returns the record's field/value pairs (none when unknown). */
const RECORD = `${RECORD_FIELDS}
return recordFields(KEYS[1])
`;

/** KEYS: hash. ARGV: fields to delete count, those fields, then field/value pairs to set. */
const UPDATE = `${RECORD_FIELDS}
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local deletes = tonumber(ARGV[1])
for i = 2, deletes + 1 do redis.call('HDEL', KEYS[1], ARGV[i]) end
if #ARGV > deletes + 1 then redis.call('HSET', KEYS[1], unpack(ARGV, deletes + 2)) end
return recordFields(KEYS[1])
`;

export interface RedisConversationStoreOptions {
  connection: RedisConnection;
  /** Events kept per conversation for replay, at least (`MAXLEN ~` may keep a few more). */
  keepEvents: number;
  /** Messages kept in a conversation's state (what a `reset` carries). */
  keepMessages: number;
  /** How long a conversation's keys outlive its last activity. */
  keepFor: Milliseconds;
  /** Conversations kept at most, the least recently active dropped first. */
  maxConversations: number;
  /** `store.timeout`, for the blocking read's own deadline. */
  timeoutMs: Milliseconds;
  /** For `size()`'s cut-off; expiry itself is Redis's clock. */
  clock?: Clock;
  /** Streams one blocking read follows before another connection takes the next (tests). */
  streamsPerRead?: number;
}

/** The Redis conversation store, with what tests and gauges need beside the interface. */
export interface RedisConversationStore extends ConversationStore {
  /** Counts the conversations active within `keepFor` now; `size()` answers it until the next. */
  refreshSize(): Promise<number>;
  /** Streams this process's blocking reads follow now. */
  followedStreams(): number;
  /** Connections those reads take. */
  readConnections(): number;
}

export function createRedisConversationStore(
  options: RedisConversationStoreOptions,
): RedisConversationStore {
  const { connection, keepEvents, keepMessages, keepFor, maxConversations } = options;
  const clock = options.clock ?? systemClock;
  const prefix = connection.keyPrefix;
  const hashKey = (id: string) => `c:${id}`;
  const logKey = (id: string) => `c:${id}:log`;
  const INDEX_KEY = 'convs';
  const channel = `${prefix}typing`;
  let count = 0;

  const reader = createStreamReader(connection, options.timeoutMs, options.streamsPerRead);
  /** Local followers by conversation, for `typing`. */
  const typingFollowers = new Map<string, Set<ChatFollower>>();
  const subscriber: Redis = connection.redis.duplicate({ enableOfflineQueue: true });
  subscriber.on('error', () => {});
  subscriber.subscribe(channel).catch(() => {});
  subscriber.on('message', (_channel: string, message: string) => {
    let parsed: { c: string; e: TypingEvent };
    try {
      parsed = JSON.parse(message) as { c: string; e: TypingEvent };
    } catch {
      return;
    }
    for (const follower of typingFollowers.get(parsed.c) ?? []) {
      try {
        follower.onEvent(parsed.e);
      } catch {
        // As with events: one follower's failure must not reach the others or the connection.
      }
    }
  });

  const indexArgs = (id: string, now: number): (string | number)[] => [
    id,
    now,
    keepFor,
    maxConversations,
    prefix,
  ];
  const eval_ = (script: string, keys: string[], args: (string | number)[]) =>
    connection.run((redis) =>
      redis.eval(script, keys.length, ...keys, ...args),
    ) as Promise<unknown>;

  /** Appends take turns per conversation in this process, so only instances contend. */
  const appending = new Map<string, Promise<unknown>>();

  async function appendOnce(
    conversationId: string,
    event: ChatEvent,
    now: number,
  ): Promise<LoggedChatEvent | undefined> {
    const current = await connection.run((redis) =>
      redis.hmget(hashKey(conversationId), 'v', 'state'),
    );
    let version = current[0] ?? null;
    let stateJson = current[1] ?? null;
    if (version === null || stateJson === null) return undefined;
    const json = JSON.stringify(event);
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      const next = applyChatEvent(JSON.parse(stateJson) as ChatState, event, keepMessages);
      const reply = (await eval_(
        APPEND,
        [hashKey(conversationId), logKey(conversationId), INDEX_KEY],
        [...indexArgs(conversationId, now), version, json, JSON.stringify(next), keepEvents],
      )) as [number, string?, (string | number)?];
      if (reply[0] === 0) return undefined;
      if (reply[0] === 1) {
        count = Number(reply[2]);
        return { id: String(reply[1]), event };
      }
      // Another instance appended in between: fold onto the state it left.
      version = String(reply[1]);
      stateJson = String(reply[2]);
    }
    throw new HelpgateError('HG_ERR_STORE_UNAVAILABLE', { reason: 'the log kept changing' });
  }

  async function refreshSize(): Promise<number> {
    const cutOff = clock.now() - keepFor;
    count = await connection.run((redis) => redis.zcount(INDEX_KEY, cutOff, '+inf'));
    return count;
  }
  const refresher = setInterval(() => {
    refreshSize().catch(() => {});
  }, SIZE_REFRESH_MS);
  refresher.unref();

  return {
    async create(record, now) {
      const fields: string[] = [];
      for (const [key, value] of Object.entries(record)) {
        if (value !== undefined) fields.push(RECORD_FIELD + key, JSON.stringify(value));
      }
      count = (await eval_(
        CREATE,
        [hashKey(record.id), logKey(record.id), INDEX_KEY],
        [...indexArgs(record.id, now), JSON.stringify(INITIAL_CHAT_STATE), ...fields],
      )) as number;
    },

    async record(conversationId) {
      return recordOf((await eval_(RECORD, [hashKey(conversationId)], [])) as string[]);
    },

    async update(conversationId, change) {
      const deletes: string[] = [];
      const sets: string[] = [];
      for (const [key, value] of Object.entries(change)) {
        if (key === 'id') continue;
        if (value === undefined) deletes.push(RECORD_FIELD + key);
        else sets.push(RECORD_FIELD + key, JSON.stringify(value));
      }
      const flat = (await eval_(
        UPDATE,
        [hashKey(conversationId)],
        [deletes.length, ...deletes, ...sets],
      )) as string[] | null;
      return flat === null ? undefined : recordOf(flat);
    },

    append(conversationId, event, now) {
      const previous = appending.get(conversationId) ?? Promise.resolve();
      const turn = previous.then(
        () => appendOnce(conversationId, event, now),
        () => appendOnce(conversationId, event, now),
      );
      const settled = turn.catch(() => {});
      appending.set(conversationId, settled);
      settled.then(() => {
        if (appending.get(conversationId) === settled) appending.delete(conversationId);
      });
      return turn;
    },

    async state(conversationId) {
      const [stateJson, last] = await connection.run((redis) =>
        redis.hmget(hashKey(conversationId), 'state', 'last'),
      );
      if (stateJson === null || stateJson === undefined) return undefined;
      return { state: JSON.parse(stateJson) as ChatState, lastId: last ?? null };
    },

    async follow(conversationId, afterId, follower) {
      // Anything a browser sends that is no stream id gets a reset.
      const after = afterId === null ? '' : isStreamId(afterId) ? afterId : 'x';
      const flat = (await eval_(
        FOLLOW,
        [hashKey(conversationId), logKey(conversationId)],
        [after],
      )) as (string | number)[];
      if (flat[0] === 0) return undefined;
      const last = String(flat[1]);
      let replay: ChatReplay;
      if (flat[2] === 'reset') {
        const state = JSON.parse(String(flat[3])) as ChatState;
        replay = { kind: 'reset', state, lastId: last === '' ? null : last };
      } else {
        const events: LoggedChatEvent[] = [];
        for (let i = 3; i + 1 < flat.length; i += 2) {
          events.push({ id: String(flat[i]), event: JSON.parse(String(flat[i + 1])) as ChatEvent });
        }
        replay = { kind: 'events', events };
      }
      // From the last id the replay ended at: whatever follows it, on any instance, comes
      // through the read, and nothing before it does.
      const stopReading = reader.follow(logKey(conversationId), last || '0-0', (id, fields) => {
        const json = fields[fields.indexOf('e') + 1];
        if (json !== undefined) follower.onEvent({ id, event: JSON.parse(json) as ChatEvent });
      });
      let typing = typingFollowers.get(conversationId);
      if (typing === undefined) {
        typing = new Set();
        typingFollowers.set(conversationId, typing);
      }
      typing.add(follower);
      return {
        replay,
        stop() {
          stopReading();
          const set = typingFollowers.get(conversationId);
          set?.delete(follower);
          if (set?.size === 0) typingFollowers.delete(conversationId);
        },
      };
    },

    signal(conversationId, event) {
      const message = JSON.stringify({ c: conversationId, e: event });
      // Typing is only true while it happens: one lost in an outage is not worth a retry.
      connection.run((redis) => redis.publish(channel, message)).catch(() => {});
    },

    size: () => count,
    refreshSize,
    followedStreams: () => reader.streams(),
    readConnections: () => reader.connections(),

    async close() {
      clearInterval(refresher);
      typingFollowers.clear();
      subscriber.disconnect();
      await reader.close();
    },
  };
}

/** The record of a hash's record fields (`r:<key>`, value, …), or `undefined` when none. */
function recordOf(flat: string[]): ConversationRecord | undefined {
  if (flat.length === 0) return undefined;
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    record[flat[i]!.slice(RECORD_FIELD.length)] = JSON.parse(flat[i + 1]!);
  }
  return record as unknown as ConversationRecord;
}
