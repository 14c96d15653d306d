/**
 * `helpgate simulate`'s engine (DESIGN.md, "simulate"): the real sessions, triggers, gate,
 * offer lifecycle, learning, capacity and conversation service, driven by visitor journeys
 * and agents on a virtual clock. Nothing waits and nothing listens: the run steps from one
 * event (a page, a heartbeat, an answer, a chat's end) to the next, so a simulated hour takes
 * seconds, and the same config, traffic and seed always give the same figures.
 */
import { type Capacity, type Conversation, createCapacity } from '../capacity/capacity.js';
import type { Config } from '../config/schema.js';
import { createConversations } from '../conversations/conversation-service.js';
import { createMemoryConversationStore } from '../conversations/memory-conversation-store.js';
import { judgeOnAssignment, type PromiseVerdict } from '../conversations/promise.js';
import { createLearning, type LearnedFigures } from '../learning/learning.js';
import { percentileNearestRank } from '../learning/percentile.js';
import { silentLogger } from '../logger.js';
import { gateOpen } from '../offers/gate.js';
import type { OfferRecord } from '../offers/offer-record.js';
import { createMemoryStore } from '../session/memory-store.js';
import { createSessions, type Sessions } from '../session/sessions.js';
import { derivedRandom, exponential, type Random } from '../util/seeded-random.js';
import { createEventQueue } from './_event-queue.js';
import { drawHandleTime, type HandleTimeModel } from './handle-time-model.js';
import type { PageVisit, ScriptedAnswer, Traffic, VisitorJourney } from './traffic.js';

/** How synthetic visitors answer an offer they are shown (a scripted answer overrides it). */
export interface AnswerModel {
  /** Share of shown offers accepted. */
  acceptShare: number;
  /** Share of shown offers dismissed (the rest are left to expire). */
  dismissShare: number;
  /** Time to accept: `acceptAfterMs.min` plus an exponential draw of mean `acceptAfterMs.mean`. */
  acceptAfterMs: { min: number; mean: number };
  dismissAfterMs: number;
}

/** 55 % accept after 3 s + about 15 s, 15 % dismiss after 8 s, 30 % let the offer expire. */
export const DEFAULT_ANSWERS: AnswerModel = {
  acceptShare: 0.55,
  dismissShare: 0.15,
  acceptAfterMs: { min: 3_000, mean: 15_000 },
  dismissAfterMs: 8_000,
};

export interface SimulationOptions {
  traffic: Traffic;
  /** The simulated span the traffic covers (for utilisation). */
  hours: number;
  handleTimes: HandleTimeModel;
  seed: number;
  answers?: AnswerModel;
  /**
   * Check every heartbeat's offer against the gate as it stood just before (`gateViolations`).
   * Off by default: the check works out a promised wait the run would not otherwise need.
   */
  checkGate?: boolean;
}

/** DESIGN.md's `simulate --json` object. Waits are seconds; shares are 0–1. */
export interface SimulationFigures {
  visitors: number;
  /** Offers made: a trigger fired for a visitor who may be offered help. */
  fired: number;
  shown: number;
  /** Offers made but never shown: the gate stayed closed until the visitor moved on. */
  missedForCapacity: number;
  accepted: number;
  /** Accepted visitors who had to wait in the queue. */
  queued: number;
  dismissed: number;
  expired: number;
  /** Of the queued visitors served. `null` when nobody queued. */
  wait: { p50: number | null; p90: number | null; max: number | null };
  /** Judged promises kept (`src/conversations/promise.ts`); `null` when none was judged. */
  promisesKept: number | null;
  /** Conversations held ÷ slots of available agents, over the run. */
  utilisation: number;
}

/** A visitor who accepted and was queued, as the acceptance tests look at them. */
export interface QueuedVisitor {
  /** Place in the queue in the accept reply (1 = next). */
  place: number;
  /** The wait promised in the accept reply (whole seconds, as the visitor was told), ms. */
  promisedMs: number | null;
  /** Acceptance → an agent; `null` when never served. */
  waitedMs: number | null;
  verdict: PromiseVerdict | null;
}

export interface SimulationResult {
  figures: SimulationFigures;
  queuedVisitors: QueuedVisitor[];
  /**
   * Offers that went out in a heartbeat reply while the gate, just before, was closed (with
   * `checkGate`; else 0).
   */
  gateViolations: number;
  /** Answers the lifecycle refused (the offer had ended meanwhile). */
  lateAnswers: number;
  learned: LearnedFigures;
  /** Wall-clock milliseconds the run took. */
  elapsedMs: number;
}

/** The virtual clock's start: a fixed instant, so runs are alike. */
const START = Date.UTC(2026, 0, 1);
/** A queued visitor whose journey ended still answers this often (they wait for the chat). */
const WAITING_TOUCH_MS = 60_000;

interface VisitorState {
  sid: string;
  journey: VisitorJourney;
  page: number;
  pageStartedAt: number;
  seq: number;
  left: boolean;
}

/** Runs one simulation of `config` over `options.traffic`. */
export async function simulate(
  config: Config,
  options: SimulationOptions,
): Promise<SimulationResult> {
  const started = performance.now();
  const answers = options.answers ?? DEFAULT_ANSWERS;
  const answerRandom = derivedRandom(options.seed, 1);
  const handleRandom = derivedRandom(options.seed, 2);
  let time = START;
  const clock = { now: () => time };
  const logger = silentLogger();
  const queue = createEventQueue();

  const learning = createLearning(config);
  const capacity: Capacity = createCapacity({
    config,
    averageHandleTime: () => learning.averageHandleTime(),
    onHandleTime: (ms) => learning.recordHandleTime(ms),
    handleTimes: (running) => learning.handleTimes(running),
  });
  const conversations = createConversations({
    config,
    capacity,
    clock,
    logger,
    sweepEveryMs: null,
    store: createMemoryConversationStore({
      keepMessages: config.conversations.keepMessages,
      keepEvents: config.conversations.keepMessages * 2,
      keepFor: config.conversations.keepFor,
      maxConversations: Math.max(1000, config.session.maxPinned * 2),
    }),
  });
  const counts = { fired: 0, shown: 0, dismissed: 0, expired: 0, accepted: 0 };
  let gateViolations = 0;
  let lateAnswers = 0;
  /** The visitor whose request the sessions service is handling now. */
  let acting: VisitorState | undefined;
  const store = createMemoryStore({
    maxSessions: Math.max(config.session.maxSessions, options.traffic.visitors.length + 1),
    maxPinned: config.session.maxPinned,
    ttlMs: config.session.ttl,
    clock,
  });
  const sessions: Sessions = createSessions({
    config,
    store,
    clock,
    logger,
    capacity,
    learning,
    conversations,
    onOfferTransition(offer) {
      if (offer.state === 'pending') counts.fired++;
      else if (offer.state === 'shown') {
        counts.shown++;
        if (acting) answerLater(acting, offer);
      } else if (offer.state === 'dismissed') counts.dismissed++;
      else if (offer.state === 'expired') counts.expired++;
    },
  });

  // ── agents ─────────────────────────────────────────────────────────────────
  const queued = new Map<string, QueuedVisitor & { acceptedAt: number }>();
  const utilisation = { held: 0, slots: 0, at: START, heldArea: 0, slotArea: 0 };
  const integrate = () => {
    utilisation.heldArea += utilisation.held * (time - utilisation.at);
    utilisation.slotArea += utilisation.slots * (time - utilisation.at);
    utilisation.at = time;
    // From the agents, not the snapshot: no promised wait is needed here.
    let held = 0;
    let slots = 0;
    for (const agent of capacity.agents()) {
      if (agent.status !== 'available') continue;
      held += Math.min(agent.conversations, agent.capacity);
      slots += agent.capacity;
    }
    utilisation.held = held;
    utilisation.slots = slots;
  };
  let changed = false;
  capacity.observe({
    onAssigned: (conversation) => chatStarted(conversation),
    onChange: () => {
      changed = true;
    },
  });

  function chatStarted(conversation: Conversation): void {
    const waiting = queued.get(conversation.id);
    if (waiting && conversation.assignedAt !== null) {
      waiting.waitedMs = conversation.assignedAt - waiting.acceptedAt;
      waiting.verdict = judgeOnAssignment(
        {
          acceptedAt: waiting.acceptedAt,
          promisedWaitSeconds: waiting.promisedMs === null ? null : waiting.promisedMs / 1000,
        },
        conversation.assignedAt,
      );
    }
    const lasts = drawHandleTime(
      options.handleTimes,
      config.agents.averageHandleTime,
      handleRandom,
    );
    const agentId = conversation.agentId!;
    queue.schedule(time + Math.max(1, Math.round(lasts)), async () => {
      // A transfer (never simulated) or an earlier end would have moved it: end it where it is.
      const now = capacity.conversation(conversation.id);
      if (now?.agentId == null) return;
      await conversations.end({ kind: 'agent', id: agentId }, conversation.id, time);
    });
  }

  for (const agent of config.agents.list)
    capacity.setAgent(agent.id, { status: 'available' }, time);
  for (const change of options.traffic.agents) {
    queue.schedule(START + change.atMs, () => {
      capacity.setAgent(change.agent, { status: change.status }, time);
    });
  }

  // ── visitors ───────────────────────────────────────────────────────────────
  options.traffic.visitors.forEach((journey, index) => {
    const visitor: VisitorState = {
      sid: `sim-visitor-${String(index).padStart(6, '0')}`,
      journey,
      page: -1,
      pageStartedAt: 0,
      seq: 0,
      left: false,
    };
    queue.schedule(START + journey.atMs, () => nextPage(visitor));
  });

  const pageOf = (visitor: VisitorState): PageVisit => visitor.journey.pages[visitor.page]!;
  const pvOf = (visitor: VisitorState) => `${visitor.sid}-p${visitor.page}`;

  async function nextPage(visitor: VisitorState): Promise<void> {
    visitor.page += 1;
    if (visitor.page >= visitor.journey.pages.length) {
      visitor.left = true;
      const session = await store.get(visitor.sid);
      if (session?.conversationId) keepWaiting(session.conversationId);
      return;
    }
    visitor.pageStartedAt = time;
    visitor.seq = 0;
    acting = visitor;
    await sessions.pageServed(visitor.sid, pageOf(visitor).path);
    acting = undefined;
    queue.schedule(time + config.heartbeat.interval, () => heartbeat(visitor));
  }

  async function heartbeat(visitor: VisitorState): Promise<void> {
    const page = pageOf(visitor);
    const onPage = time - visitor.pageStartedAt;
    if (onPage > page.stayMs) return nextPage(visitor);
    const before = options.checkGate ? capacity.snapshot(time) : undefined;
    const maxWait = learning.maxWait();
    acting = visitor;
    const reply = await sessions.heartbeat(visitor.sid, {
      pv: pvOf(visitor),
      path: page.path,
      seq: visitor.seq++,
      visible: true,
      focus:
        page.focus && onPage >= page.focus.fromMs
          ? { field: page.focus.field, ms: onPage - page.focus.fromMs }
          : null,
      ...(page.errors &&
        onPage >= page.errors.atMs && {
          errors: page.errors.fields.map((field) => ({ field, message: 'invalid' })),
        }),
    });
    acting = undefined;
    if (reply.offer && before && !gateOpen(config.gate.mode, before, maxWait)) gateViolations++;
    queue.schedule(time + reply.next, () => heartbeat(visitor));
  }

  function answerLater(visitor: VisitorState, offer: OfferRecord): void {
    const answer = visitor.journey.answer ?? drawAnswer(answerRandom);
    if (answer.action === 'ignore') return;
    queue.schedule(time + answer.afterMs, async () => {
      const action = answer.action;
      if (action === 'ignore') return;
      const outcome = await sessions.answer(visitor.sid, offer.id, action);
      if (!outcome.ok) {
        lateAnswers++;
        return;
      }
      if (action !== 'accept' || !('ticket' in outcome) || !outcome.ticket) return;
      counts.accepted++;
      const { conversationId, queuePosition, estimatedWaitMs } = outcome.ticket;
      if (queuePosition > 0) {
        queued.set(conversationId, {
          acceptedAt: time,
          place: queuePosition,
          // The accept reply tells whole seconds, and that is the promise judged.
          promisedMs: estimatedWaitMs === null ? null : Math.ceil(estimatedWaitMs / 1000) * 1000,
          waitedMs: null,
          verdict: null,
        });
      }
      if (visitor.left) keepWaiting(conversationId);
    });
  }

  function drawAnswer(random: Random): ScriptedAnswer {
    const roll = random();
    if (roll < answers.acceptShare) {
      const { min, mean } = answers.acceptAfterMs;
      return { action: 'accept', afterMs: min + Math.round(exponential(random, mean)) };
    }
    if (roll < answers.acceptShare + answers.dismissShare) {
      return { action: 'dismiss', afterMs: answers.dismissAfterMs };
    }
    return { action: 'ignore', afterMs: 0 };
  }

  /** A visitor done browsing still waits for their chat (see `Capacity.touch`). */
  function keepWaiting(conversationId: string): void {
    const conversation = capacity.conversation(conversationId);
    if (conversation === undefined || conversation.agentId !== null) return;
    capacity.touch(conversationId, time);
    queue.schedule(time + WAITING_TOUCH_MS, () => keepWaiting(conversationId));
  }

  // ── the run ────────────────────────────────────────────────────────────────
  integrate();
  for (let event = queue.next(); event !== undefined; event = queue.next()) {
    time = event.at;
    await event.run();
    if (changed) {
      changed = false;
      integrate();
      // Queue revisions are scheduled for the next turn of the event loop.
      await conversations.settled();
    }
  }
  integrate();
  conversations.close();

  const servedWaits = [...queued.values()]
    .map((visitor) => visitor.waitedMs)
    .filter((ms): ms is number => ms !== null);
  const verdicts = [...queued.values()].map((visitor) => visitor.verdict);
  const kept = verdicts.filter((verdict) => verdict === 'kept').length;
  const judged = verdicts.filter((verdict) => verdict !== null).length;
  const seconds = (p: number) =>
    servedWaits.length === 0 ? null : Math.round(percentileNearestRank(servedWaits, p) / 100) / 10;
  return {
    figures: {
      visitors: options.traffic.visitors.length,
      fired: counts.fired,
      shown: counts.shown,
      missedForCapacity: counts.fired - counts.shown,
      accepted: counts.accepted,
      queued: queued.size,
      dismissed: counts.dismissed,
      expired: counts.expired,
      wait: { p50: seconds(50), p90: seconds(90), max: seconds(100) },
      promisesKept: judged === 0 ? null : round(kept / judged, 4),
      utilisation:
        utilisation.slotArea === 0 ? 0 : round(utilisation.heldArea / utilisation.slotArea, 4),
    },
    queuedVisitors: [...queued.values()].map(({ acceptedAt: _, ...visitor }) => visitor),
    gateViolations,
    lateAnswers,
    learned: learning.figures(),
    elapsedMs: performance.now() - started,
  };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
