/**
 * The help queue: conversation ids waiting for an agent, first come first, and when each
 * queued visitor was last heard from. A visitor not heard from for `abandonAfter`
 * (`session.ttl`) has left: the next sweep takes them out (see `CapacityState.touch`).
 */
import type { Milliseconds } from '../config/units.js';

/** How often, at most, the queue is checked for visitors who left. */
export const ABANDON_SWEEP_MS = 1000;

export interface HelpQueue {
  readonly length: number;
  /** The ids in line, first first. */
  ids(): readonly string[];
  /** 1-based place of `id` in line; 0 when it is not queued. */
  placeOf(id: string): number;
  /** Joins the end of the line, heard from at `now`. */
  push(id: string, now: number): void;
  /** Joins the head of the line, in the order given (an agent's conversations, on a reload). */
  prepend(ids: readonly string[], now: number): void;
  /** Takes the head of the line off it. */
  shift(): string | undefined;
  /** Takes `id` off the line, wherever it is. */
  remove(id: string): void;
  /** The visitor of `id` is still there; an id not in line is left alone. */
  touch(id: string, now: number): void;
  /**
   * Takes off the line the visitors not heard from for `abandonAfter`, at most once per
   * {@link ABANDON_SWEEP_MS}, and returns their ids (first first).
   */
  sweep(now: number): string[];
  /** Whether {@link sweep} would take anyone off now. */
  sweepDue(now: number): boolean;
  setAbandonAfter(ms: Milliseconds): void;
  dump(): { queue: string[]; heardAt: [string, number][]; sweptAt: number | null };
  /** Replaces the line; `keep` drops ids that no longer name a conversation. */
  restore(
    dump: { queue: string[]; heardAt: [string, number][]; sweptAt: number | null },
    keep: (id: string) => boolean,
  ): void;
}

export function createHelpQueue(abandonAfter: Milliseconds): HelpQueue {
  let line: string[] = [];
  const heardAt = new Map<string, number>();
  let sweptAt = Number.NEGATIVE_INFINITY;
  const left = (id: string, now: number) => now - (heardAt.get(id) ?? now) > abandonAfter;
  const due = (now: number) => line.length > 0 && now - sweptAt >= ABANDON_SWEEP_MS;

  return {
    get length() {
      return line.length;
    },
    ids: () => line,
    placeOf: (id) => line.indexOf(id) + 1,
    push(id, now) {
      line.push(id);
      heardAt.set(id, now);
    },
    prepend(ids, now) {
      if (ids.length === 0) return;
      for (const id of ids) heardAt.set(id, now);
      line = [...ids, ...line];
    },
    shift() {
      const id = line.shift();
      if (id !== undefined) heardAt.delete(id);
      return id;
    },
    remove(id) {
      const at = line.indexOf(id);
      if (at !== -1) line.splice(at, 1);
      heardAt.delete(id);
    },
    touch(id, now) {
      if (heardAt.has(id)) heardAt.set(id, now);
    },
    sweep(now) {
      if (!due(now)) return [];
      sweptAt = now;
      const kept: string[] = [];
      const gone: string[] = [];
      for (const id of line) (left(id, now) ? gone : kept).push(id);
      if (gone.length === 0) return gone;
      line = kept;
      for (const id of gone) heardAt.delete(id);
      return gone;
    },
    sweepDue: (now) => due(now) && line.some((id) => left(id, now)),
    setAbandonAfter(ms) {
      abandonAfter = ms;
    },
    dump: () => ({
      queue: [...line],
      heardAt: [...heardAt],
      sweptAt: Number.isFinite(sweptAt) ? sweptAt : null,
    }),
    restore(dump, keep) {
      line = dump.queue.filter(keep);
      heardAt.clear();
      for (const [id, at] of dump.heardAt) heardAt.set(id, at);
      sweptAt = dump.sweptAt ?? Number.NEGATIVE_INFINITY;
    },
  };
}
