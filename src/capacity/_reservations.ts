/**
 * Slots held by shown, unanswered offers. An entry lapses by itself once `now` reaches its
 * `until` (the offer's expiry): it is only compared, never timed, and dropped when next seen.
 */

export interface Reservation {
  readonly sid: string;
  readonly until: number;
}

export interface Reservations {
  /** Holds a slot for `offerId` until `until`; false when `limit` live ones are held already. */
  hold(offerId: string, sid: string, until: number, now: number, limit: number): boolean;
  /** Frees `offerId`'s slot; false when it held none. */
  release(offerId: string): boolean;
  /** The reservations still live at `now`, dropping the lapsed ones. */
  count(now: number): number;
  /** The reservations of session `from` now belong to session `to` (its id was rotated). */
  moveSession(from: string, to: string): void;
  /** Whether `offerId` holds a slot (lapsed or not). */
  holds(offerId: string): boolean;
  /** Every reservation held, for a snapshot of the state. */
  entries(): [string, Reservation][];
  /** Replaces every reservation with `entries`. */
  replace(entries: readonly [string, Reservation][]): void;
}

export function createReservations(): Reservations {
  const held = new Map<string, Reservation>();
  /** No reservation lapses before this: the gate asks on every heartbeat, so most asks are O(1). */
  let nextLapse = Number.POSITIVE_INFINITY;

  function prune(now: number): void {
    if (now < nextLapse) return;
    nextLapse = Number.POSITIVE_INFINITY;
    for (const [offerId, reservation] of held) {
      if (reservation.until <= now) held.delete(offerId);
      else nextLapse = Math.min(nextLapse, reservation.until);
    }
  }

  return {
    hold(offerId, sid, until, now, limit) {
      if (!held.has(offerId) && held.size >= limit) {
        prune(now);
        if (held.size >= limit) return false;
      }
      held.set(offerId, { sid, until });
      nextLapse = Math.min(nextLapse, until);
      return true;
    },
    release(offerId) {
      return held.delete(offerId);
    },
    count(now) {
      prune(now);
      return held.size;
    },
    moveSession(from, to) {
      for (const [offerId, reservation] of held) {
        if (reservation.sid === from) held.set(offerId, { ...reservation, sid: to });
      }
    },
    holds: (offerId) => held.has(offerId),
    entries: () => [...held].map(([offerId, r]) => [offerId, { ...r }]),
    replace(entries) {
      held.clear();
      nextLapse = Number.POSITIVE_INFINITY;
      for (const [offerId, r] of entries) {
        held.set(offerId, { sid: r.sid, until: r.until });
        nextLapse = Math.min(nextLapse, r.until);
      }
    },
  };
}
