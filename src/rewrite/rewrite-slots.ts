/**
 * The bound on pages rewritten at once (issue 3: "a concurrency limit on rewrites, not a
 * growing queue"). Rewriting is CPU work on the one event loop: past a few pages at once, more
 * of them only make every page slower. So a page gets a slot when one is free, waits for one
 * in a short queue otherwise, and is refused — the caller serves it unmodified (fail open) —
 * when the queue is full or its wait runs out. A refused page costs what a plain proxy costs,
 * so under overload the latency of every page stays bounded instead of growing with the load.
 */
import { availableParallelism } from 'node:os';
import type { Clock } from '../util/clock.js';

/** The limits; see {@link defaultSlotLimits}. */
export interface SlotLimits {
  /** Pages rewritten at once. */
  maxActive: number;
  /** Pages waiting for a slot at most; one more is refused at once. */
  maxWaiting: number;
  /** How long a page waits for a slot before it is refused. */
  maxWaitMs: number;
  /**
   * How long a page keeps its slot. A page still going after this is waiting on a slow
   * upstream, not using the CPU: its slot goes to a waiting page and it finishes unbounded.
   */
  maxHoldMs: number;
}

/**
 * Two slots per CPU, at least four: enough to overlap one page's network waits with another's
 * CPU work. The queue holds what a burst of a few hundred milliseconds brings; a page never
 * waits longer than a quarter second for its turn, nor keeps a slot past five seconds.
 */
export function defaultSlotLimits(): SlotLimits {
  const maxActive = Math.max(4, 2 * availableParallelism());
  return { maxActive, maxWaiting: 32 * maxActive, maxWaitMs: 250, maxHoldMs: 5000 };
}

export interface RewriteSlots {
  /**
   * Asks for a slot. `ready` gets the slot's release function — at once when a slot is free,
   * or later when one frees up in time — otherwise `refused` is called: at once when the queue
   * is full, or when the wait runs out. Exactly one of them is called, once, unless the request
   * is withdrawn first with the function this returns (a no-op once it was answered).
   */
  request(ready: (release: () => void) => void, refused: () => void): () => void;
  /**
   * Refuses the requests that waited too long, takes back the slots held too long and hands
   * free slots to waiting requests; runs on every request and release, and on a timer.
   */
  settle(): void;
  /** Slots in use. */
  readonly active: number;
  /** Requests waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  since: number;
  ready: (release: () => void) => void;
  refused: () => void;
  answered: boolean;
}

interface Lease {
  since: number;
  /** Released, or taken back after `maxHoldMs`. */
  over: boolean;
}

/** A first-in first-out list that drops entries from its front without copying each time. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  first(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.items[this.head++];
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** Creates the slots; `clock` decides how long a request has waited and a slot been held. */
export function createRewriteSlots(limits: SlotLimits, clock: Clock): RewriteSlots {
  const maxActive = Math.max(1, limits.maxActive);
  let active = 0;
  // Both oldest first: requests wait and slots are granted in order.
  const queue = new Fifo<Waiter>();
  const leases = new Fifo<Lease>();
  /** Requests in `queue` not yet answered nor withdrawn. */
  let live = 0;
  let timer: NodeJS.Timeout | null = null;

  /** Marks a waiter answered; false when it already was (or was withdrawn). */
  const answer = (w: Waiter): boolean => {
    if (w.answered) return false;
    w.answered = true;
    live--;
    return true;
  };

  const grant = (ready: (release: () => void) => void) => {
    active++;
    const lease: Lease = { since: clock.now(), over: false };
    leases.push(lease);
    ready(() => {
      if (lease.over) return;
      lease.over = true;
      active--;
      settle();
    });
  };

  const settle = () => {
    const now = clock.now();
    // Leases and waiters are oldest first: stop at the first one still within its time.
    for (let lease = leases.first(); lease !== undefined; lease = leases.first()) {
      if (!lease.over) {
        if (lease.since > now - limits.maxHoldMs) break;
        lease.over = true;
        active--;
      }
      leases.shift();
    }
    for (let w = queue.first(); w !== undefined; w = queue.first()) {
      if (!w.answered && w.since > now - limits.maxWaitMs) break;
      queue.shift();
      if (answer(w)) w.refused();
    }
    while (active < maxActive && queue.size > 0) {
      const w = queue.shift()!;
      if (answer(w)) grant(w.ready);
    }
    arm(now);
  };

  /** While anyone waits, wakes up when the oldest waiter's or slot's time is up. */
  const arm = (now: number) => {
    if (timer !== null || live === 0) return;
    let due = queue.first()!.since + limits.maxWaitMs;
    const lease = leases.first();
    if (lease !== undefined) due = Math.min(due, lease.since + limits.maxHoldMs);
    timer = setTimeout(
      () => {
        timer = null;
        settle();
      },
      Math.max(1, due - now + 1),
    );
    timer.unref();
  };

  return {
    request(ready, refused) {
      settle();
      if (active < maxActive && live === 0) {
        grant(ready);
        return () => {};
      }
      if (live >= limits.maxWaiting) {
        refused();
        return () => {};
      }
      const w: Waiter = { since: clock.now(), ready, refused, answered: false };
      queue.push(w);
      live++;
      arm(w.since);
      // A withdrawn request stays in the queue, skipped when its turn comes.
      return () => {
        answer(w);
      };
    },
    settle,
    get active() {
      return active;
    },
    get waiting() {
      return live;
    },
  };
}
