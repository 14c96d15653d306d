/**
 * Capacity shared by every instance on one Redis: agents and their status, the help queue,
 * reservations and conversations' assignments.
 *
 * Every change is a command appended to one Redis Stream, `capacity:log`, which gives all
 * changes from all instances one order. Each instance reads the log and applies each command,
 * in that order, to its own copy of the capacity state ({@link createCapacityState}: the same
 * rules as the memory store, deterministic given the command's `now` and ids). So every copy
 * goes through the same states, and what must happen once does: of 200 visitors accepting at
 * once for 3 free slots, the first 3 commands in the log get agents and the next 197 get queue
 * places 1–197, on every instance alike. A change resolves when this instance has applied it,
 * with its result; reads (the gate on every heartbeat) answer from the copy without a round
 * trip.
 *
 * What happens once is done by the instance whose command caused it (`local` in the
 * observers): logging an assignment, learning a handle time. A new or restarted instance loads
 * the latest snapshot (`capacity:snapshot`, written every {@link SNAPSHOT_EVERY} commands)
 * and applies the log from there. Each entry carries a sequence number; a gap or a restart of
 * the numbering (Redis lost its data) makes the copy reload.
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Capacity, CapacityObserver } from '../capacity/capacity.js';
import {
  type CapacityConfig,
  type CapacityDump,
  type CapacityOptions,
  capacityConfigOf,
  createCapacityState,
  type EnqueueRequest,
} from '../capacity/capacity-state.js';
import type { Milliseconds } from '../config/units.js';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import type { RedisConnection } from './redis-connection.js';
import { createStreamReader, type StreamReader } from './redis-stream-reader.js';

const LOG = 'capacity:log';
const SEQ = 'capacity:seq';
const SNAPSHOT = 'capacity:snapshot';
/** A snapshot every this many commands: a joining instance applies fewer than this many. */
export const SNAPSHOT_EVERY = 200;
/** Commands the log keeps (about): far more than a snapshot's span, so no copy misses one. */
const LOG_LENGTH = 10_000;
/** A change not applied here within this long fails (it may still apply later). */
const APPLY_TIMEOUT_MS = 10_000;
/** Queued conversations whose visitor's heartbeats are remembered (see `touch`). */
const MAX_TOUCHED = 100_000;

/** Appends a command with the next sequence number, in one step. */
const APPEND = `
local seq = redis.call('INCR', KEYS[2])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 's', seq, 'o', ARGV[1], 'c', ARGV[2])
return {seq, id}`;

/** Keeps the snapshot of the highest sequence number. */
const SAVE_SNAPSHOT = `
local current = redis.call('GET', KEYS[1])
if current then
  local seq = tonumber(string.match(current, '^{"seq":(%d+)'))
  if seq and seq >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

/** A change as logged; `n` identifies the waiting caller in the instance that sent it. */
type Command = { n: string } & (
  | { op: 'configure'; config: CapacityConfig; now: number }
  | {
      op: 'setAgent';
      id: string;
      change: { status?: 'available' | 'busy' | 'away'; capacity?: number };
      now: number;
    }
  | { op: 'reserve'; offerId: string; sid: string; until: number; now: number; onlyIfFree: boolean }
  | { op: 'release'; offerId: string }
  | { op: 'enqueue'; request: EnqueueRequest; now: number }
  | { op: 'touch'; conversationId: string; now: number }
  | { op: 'end'; conversationId: string; now: number }
  | { op: 'moveSession'; from: string; to: string }
  | { op: 'transfer'; conversationId: string; to: string; now: number }
  | { op: 'sweep'; now: number }
);

/** Spread over every member of the union, so a call site names one kind of command. */
type CommandInput = Command extends infer C ? (C extends Command ? Omit<C, 'n'> : never) : never;

interface Snapshot {
  seq: number;
  id: string;
  state: CapacityDump;
}

export interface RedisCapacityOptions extends Omit<CapacityOptions, 'sweepOnReads' | 'onChange'> {
  connection: RedisConnection;
  /** `store.timeout`: the log's blocking read waits this much longer than it blocks. */
  timeoutMs: Milliseconds;
  /** The process's reader of shared logs; default: one of its own (closed with it). */
  reader?: StreamReader;
  clock: Clock;
  logger: Logger;
  /** How often, at most, one queued visitor's heartbeats are logged (keeping their place). */
  touchEveryMs?: Milliseconds;
}

export interface RedisCapacity extends Capacity {
  /** Resolves once this copy has caught up with the log (the snapshot and what follows). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function createRedisCapacity(options: RedisCapacityOptions): RedisCapacity {
  const { connection, logger } = options;
  const instance = randomUUID();
  let config = capacityConfigOf(options.config);
  const touchEveryMs =
    options.touchEveryMs ?? Math.min(5_000, Math.max(1, config.session.ttl / 10));
  /** Whether the command being applied came from this instance. */
  let applyingLocal = false;
  const observers = new Set<CapacityObserver>();
  const state = createCapacityState({
    ...options,
    config,
    sweepOnReads: false,
    // Learned once, where the conversation was ended.
    onHandleTime: (ms) => {
      if (applyingLocal) options.onHandleTime(ms);
    },
  });
  state.observe({
    onAssigned: (conversation) => {
      for (const observer of observers) observer.onAssigned?.(conversation, applyingLocal);
    },
    onAbandoned: (conversation) => {
      if (!applyingLocal) return;
      for (const observer of observers) observer.onAbandoned?.(conversation);
    },
    onChange: () => {
      for (const observer of observers) observer.onChange?.();
    },
  });
  // The state before any command: no agent until a `configure` in the log names them, so
  // every copy starts from the same state whatever its own config says.
  const fresh: CapacityDump = { ...state.dump(), agents: [] };
  state.restore(fresh);

  let appliedSeq = 0;
  let appliedId = '0-0';
  const waiting = new Map<
    string,
    { resolve(result: unknown): void; reject(error: unknown): void }
  >();
  let counter = 0;
  const touched = new LRUCache<string, number>({ max: MAX_TOUCHED });
  const reader: StreamReader = options.reader ?? createStreamReader(connection, options.timeoutMs);
  /** Set when no snapshot was found: the log is taken from whatever entry it starts with. */
  let fromAnyEntry = false;
  let stopFollowing: (() => void) | undefined;
  let closed = false;

  function run(command: Command): unknown {
    switch (command.op) {
      case 'configure':
        config = command.config;
        return state.configure(command.config, command.now);
      case 'setAgent':
        return state.setAgent(command.id, command.change, command.now);
      case 'reserve':
        return state.reserve(
          command.offerId,
          command.sid,
          command.until,
          command.now,
          command.onlyIfFree,
        );
      case 'release':
        return state.release(command.offerId);
      case 'enqueue':
        return state.enqueue(command.request, command.now);
      case 'touch':
        return state.touch(command.conversationId, command.now);
      case 'end':
        return state.endConversation(command.conversationId, command.now);
      case 'moveSession':
        return state.moveSession(command.from, command.to);
      case 'transfer':
        return state.transfer(command.conversationId, command.to, command.now);
      case 'sweep':
        return state.sweep(command.now);
    }
  }

  function apply(id: string, fields: string[]): void {
    const entry: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
    if (resyncing !== undefined) return;
    const seq = Number(entry.s);
    if (fromAnyEntry) {
      fromAnyEntry = false;
      appliedSeq = seq - 1;
    }
    if (seq !== appliedSeq + 1) {
      logger.warn(
        { expected: appliedSeq + 1, got: seq },
        'capacity: shared log out of step; reloading from its snapshot',
      );
      void resync();
      return;
    }
    appliedSeq = seq;
    appliedId = id;
    let command: Command;
    try {
      command = JSON.parse(entry.c ?? '') as Command;
    } catch {
      return;
    }
    const local = entry.o === instance;
    const waiter = local ? waiting.get(command.n) : undefined;
    applyingLocal = local;
    try {
      const result = run(command);
      waiter?.resolve(result);
    } catch (error) {
      waiter?.reject(error);
    } finally {
      applyingLocal = false;
    }
    if (local && seq % SNAPSHOT_EVERY === 0) void saveSnapshot();
  }

  async function saveSnapshot(): Promise<void> {
    const snapshot: Snapshot = { seq: appliedSeq, id: appliedId, state: state.dump() };
    await connection
      .run((redis) => redis.eval(SAVE_SNAPSHOT, 1, SNAPSHOT, appliedSeq, JSON.stringify(snapshot)))
      .catch((error: unknown) => logger.debug({ err: error }, 'capacity snapshot not saved'));
  }

  /** Loads the latest snapshot (or starts afresh) and follows the log from there. */
  async function load(): Promise<void> {
    stopFollowing?.();
    stopFollowing = undefined;
    const json = await connection.run((redis) => redis.get(SNAPSHOT));
    const snapshot = json === null ? undefined : (JSON.parse(json) as Snapshot);
    state.restore(snapshot?.state ?? fresh);
    fromAnyEntry = snapshot === undefined;
    appliedSeq = snapshot?.seq ?? 0;
    appliedId = snapshot?.id ?? '0-0';
    if (!closed) stopFollowing = reader.follow(LOG, appliedId, apply);
  }

  let resyncing: Promise<void> | undefined;
  function resync(): Promise<void> {
    stopFollowing?.();
    stopFollowing = undefined;
    resyncing ??= (async () => {
      let delayMs = 100;
      while (!closed) {
        try {
          await load();
          break;
        } catch {
          // Redis away: pages are served meanwhile (no agent is available in the copy).
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          delayMs = Math.min(2 * delayMs, 2_000);
        }
      }
    })().finally(() => {
      resyncing = undefined;
    });
    return resyncing;
  }

  /** Logs `input` and resolves with its result once applied here. */
  async function send<T>(input: CommandInput): Promise<T> {
    if (resyncing) await resyncing;
    const n = `${++counter}`;
    const command = { ...input, n } as Command;
    const applied = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(n);
        reject(
          new HelpgateError('HG_ERR_STORE_UNAVAILABLE', {
            reason: `change not applied within ${APPLY_TIMEOUT_MS} ms`,
          }),
        );
      }, APPLY_TIMEOUT_MS);
      waiting.set(n, {
        resolve: (result) => {
          clearTimeout(timer);
          waiting.delete(n);
          resolve(result as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          waiting.delete(n);
          reject(error);
        },
      });
    });
    try {
      await connection.run((redis) =>
        redis.eval(APPEND, 2, LOG, SEQ, instance, JSON.stringify(command), LOG_LENGTH),
      );
    } catch (error) {
      waiting.get(n)?.reject(error);
    }
    return applied;
  }

  /** For changes that must not fail their caller: a lost one is repeated or lapses. */
  const quietly = (work: Promise<unknown>) =>
    work.then(
      () => {},
      (error: unknown) => logger.debug({ err: error }, 'capacity change not logged'),
    );

  const started: Promise<void> = resync().then(() =>
    quietly(send({ op: 'configure', config, now: options.clock.now() })),
  );

  return {
    ready: () => started,
    async configure(next, now = options.clock.now()) {
      await send({ op: 'configure', config: capacityConfigOf(next), now });
    },
    agents: () => state.agents(),
    agent: (id) => state.agent(id),
    setAgent: (id, change, now) => send({ op: 'setAgent', id, change, now }),
    snapshot: (now) => state.snapshot(now),
    reserve: (offerId, sid, until, now = options.clock.now(), onlyIfFree = false) =>
      send({ op: 'reserve', offerId, sid, until, now, onlyIfFree }),
    release: (offerId) => send<void>({ op: 'release', offerId }),
    enqueue: (request, now) =>
      send({
        op: 'enqueue',
        request: { ...request, conversationId: request.conversationId ?? randomUUID() },
        now,
      }),
    ticket: (conversationId, now) => state.ticket(conversationId, now),
    conversation: (conversationId) => state.conversation(conversationId),
    conversationsOf: (agentId) => state.conversationsOf(agentId),
    queued: () => state.queued(),
    queuedTickets: (now) => state.queuedTickets(now),
    touch(conversationId, now) {
      // Only a queued visitor's place needs it, and only now and then: it lasts `session.ttl`.
      if (state.conversation(conversationId)?.agentId !== null) return;
      if (now - (touched.get(conversationId) ?? Number.NEGATIVE_INFINITY) < touchEveryMs) return;
      touched.set(conversationId, now);
      void quietly(send({ op: 'touch', conversationId, now }));
    },
    endConversation: (conversationId, now) => send({ op: 'end', conversationId, now }),
    moveSession: (from, to) => send({ op: 'moveSession', from, to }),
    transfer: (conversationId, to, now) => send({ op: 'transfer', conversationId, to, now }),
    async sweep(now) {
      if (state.sweepDue(now)) await send({ op: 'sweep', now });
    },
    observe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
    async close() {
      closed = true;
      stopFollowing?.();
      for (const { reject } of waiting.values()) {
        reject(new HelpgateError('HG_ERR_STORE_UNAVAILABLE', { reason: 'closing' }));
      }
      if (options.reader === undefined) await reader.close();
    },
  };
}
