/**
 * Copies the page's bytes to the output, applying edits: byte ranges removed and HTML inserted
 * at offsets. Everything not edited goes out exactly as it came in. Output can be taken as soon
 * as the bytes are known to be final; a *hold* keeps back the bytes of an element whose
 * removal is still being decided.
 */

type Edit =
  | { kind: 'insert'; at: number; data: Buffer }
  | { kind: 'remove'; at: number; end: number };

/** Byte-exact splicing of a stream; see the module comment. */
export class Splicer {
  /** Input not yet emitted, as received; `chunkStart` is the offset of `chunks[0]`. */
  private chunks: Buffer[] = [];
  private chunkStart = 0;
  private received = 0;
  private emitted = 0;
  private edits: Edit[] = [];
  /** Where each hold slot keeps bytes back from; the effective hold is the lowest. */
  private holds = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  private holdAt = Number.POSITIVE_INFINITY;

  /** Bytes received so far (the offset of the next byte). */
  get length(): number {
    return this.received;
  }

  /** Bytes received but not yet emitted. */
  get pending(): number {
    return this.received - this.emitted;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.received += chunk.length;
  }

  /** Inserts `html` before the byte at `at`. Inserts at the same offset keep their order. */
  insert(at: number, html: string | Buffer): void {
    const data = typeof html === 'string' ? Buffer.from(html, 'utf8') : html;
    this.add({ kind: 'insert', at, data });
  }

  /** Removes the bytes `[start, end)`; inserts that fall inside go out at `start`. */
  remove(start: number, end: number): void {
    if (end > start) this.add({ kind: 'remove', at: start, end });
  }

  /**
   * Keeps bytes from `at` on back until {@link release} of the same slot. Each rewrite step that
   * holds uses its own slot (0: strip, 1: beacon), so one step's release keeps another's hold.
   */
  hold(at: number, slot: 0 | 1 = 0): void {
    this.holds[slot] = Math.min(this.holds[slot]!, at);
    this.holdAt = Math.min(this.holds[0]!, this.holds[1]!);
  }

  release(slot: 0 | 1 = 0): void {
    this.holds[slot] = Number.POSITIVE_INFINITY;
    this.holdAt = Math.min(this.holds[0]!, this.holds[1]!);
  }

  private add(edit: Edit): void {
    const edits = this.edits;
    let i = edits.length;
    while (i > 0 && edits[i - 1]!.at > edit.at) i--;
    edits.splice(i, 0, edit);
  }

  /**
   * The output for input bytes up to `limit` (clamped to what was received and to a hold),
   * with edits applied. `ignoreHold` emits held bytes unmodified as well.
   */
  take(limit: number, ignoreHold = false): Buffer[] {
    const out: Buffer[] = [];
    const stop = Math.min(
      limit,
      this.received,
      ignoreHold ? Number.POSITIVE_INFINITY : this.holdAt,
    );
    const edits = this.edits;
    let used = 0;
    while (used < edits.length) {
      const edit = edits[used]!;
      if (edit.at > stop || (edit.kind === 'remove' && edit.end > stop)) break;
      if (edit.at > this.emitted) this.copy(this.emitted, edit.at, out);
      if (edit.kind === 'insert') out.push(edit.data);
      else this.emitted = Math.max(this.emitted, edit.end);
      used++;
    }
    if (used > 0) edits.splice(0, used);
    if (stop > this.emitted) this.copy(this.emitted, stop, out);
    this.drop();
    return out;
  }

  /** Everything received and not yet emitted, unmodified; pending edits are dropped. */
  takeRaw(): Buffer[] {
    const out: Buffer[] = [];
    this.copy(this.emitted, this.received, out);
    this.edits = [];
    this.drop();
    return out;
  }

  private copy(from: number, to: number, out: Buffer[]): void {
    let offset = this.chunkStart;
    for (const chunk of this.chunks) {
      const end = offset + chunk.length;
      if (end > from && offset < to) {
        const a = Math.max(from, offset) - offset;
        const b = Math.min(to, end) - offset;
        out.push(a === 0 && b === chunk.length ? chunk : chunk.subarray(a, b));
      }
      offset = end;
      if (offset >= to) break;
    }
    this.emitted = to;
  }

  private drop(): void {
    let n = 0;
    while (n < this.chunks.length && this.chunkStart + this.chunks[n]!.length <= this.emitted) {
      this.chunkStart += this.chunks[n]!.length;
      n++;
    }
    if (n > 0) this.chunks.splice(0, n);
  }
}
