/**
 * A fixed-capacity ring of numeric samples: the newest push drops the oldest once full, so
 * memory stays bounded however long helpgate runs.
 */

export interface SampleRing {
  /** Samples held (at most the capacity). */
  readonly size: number;
  readonly capacity: number;
  push(value: number): void;
  /** The newest `count` samples (all when fewer are held), oldest first. */
  latest(count?: number): number[];
  /** Changes the capacity, keeping the newest samples that still fit. */
  resize(capacity: number): void;
}

export function createSampleRing(capacity: number, initial: readonly number[] = []): SampleRing {
  let values: number[] = [];
  let head = 0; // index of the oldest sample once the ring is full
  let limit = checkCapacity(capacity);

  const ordered = () => (head === 0 ? values : [...values.slice(head), ...values.slice(0, head)]);

  const ring: SampleRing = {
    get size() {
      return values.length;
    },
    get capacity() {
      return limit;
    },
    push(value) {
      if (values.length < limit) {
        values.push(value);
        return;
      }
      values[head] = value;
      head = (head + 1) % limit;
    },
    latest(count = values.length) {
      const all = ordered();
      return count >= all.length ? all.slice() : all.slice(all.length - count);
    },
    resize(next) {
      next = checkCapacity(next);
      values = ordered().slice(-next);
      head = 0;
      limit = next;
    },
  };
  for (const value of initial.slice(-limit)) ring.push(value);
  return ring;
}

function checkCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`a ring needs a positive integer capacity, not ${capacity}`);
  }
  return capacity;
}
