/**
 * The simulation's agenda: actions at virtual times, earliest first, and in the order they
 * were scheduled when times are equal (so a run never depends on the heap's layout).
 */

interface Entry {
  at: number;
  seq: number;
  run: () => unknown;
}

export interface EventQueue {
  readonly size: number;
  schedule(at: number, run: () => unknown): void;
  /** The earliest entry, removed; `undefined` when empty. */
  next(): { at: number; run: () => unknown } | undefined;
}

export function createEventQueue(): EventQueue {
  const heap: Entry[] = [];
  let seq = 0;
  const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

  return {
    get size() {
      return heap.length;
    },
    schedule(at, run) {
      heap.push({ at, seq: seq++, run });
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!before(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    },
    next() {
      const top = heap[0];
      if (top === undefined) return undefined;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      return top;
    },
  };
}
