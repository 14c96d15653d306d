/**
 * A streaming HTML tokenizer over raw bytes. It follows the WHATWG tokenizer exactly where the
 * boundaries of tokens are concerned (tags, comments, doctype, CDATA, raw text, script data
 * with its escaped states, plaintext) and nothing else: it never builds strings for text and
 * decodes attribute values only when asked. Every event carries absolute byte offsets into the
 * stream, so a caller can splice the original bytes. Feeding the same bytes in any chunking
 * gives the same tags, comments and offsets.
 */

import { decodeHTMLAttribute } from 'entities';
import { asciiLowercase } from '../util/ascii.js';

/**
 * What the strip selectors need an element's attribute values to contain (built by
 * compile-selectors.ts, checked by {@link HtmlTokenizer.mayContain}). An element can only
 * match if, for some attribute in `StripMatcher.attributeNames`, its value contains one
 * of that attribute's strings (ASCII-lowercase; `''`: any value will do), compared
 * ASCII-caselessly — or holds a character reference, which may hide one.
 */
export interface AttributeNeedles {
  /** The strings, by index in `attributeNames`. */
  readonly lists: readonly (readonly string[])[];
  /** The length of each list's shortest string; -1 for an empty list. */
  readonly shortest: Int32Array;
}

/** How the tokenizer reads text after a start tag; set by the tree builder (HTML §13.2.5). */
export type TextMode = 'data' | 'rcdata' | 'rawtext' | 'script' | 'plaintext';

/** Receives the tokens; offsets are absolute byte offsets in the whole stream. */
export interface TokenSink {
  /** A start tag; the sink may call {@link HtmlTokenizer.setTextMode} before returning. */
  startTag(tag: TagToken): void;
  endTag(tag: TagToken): void;
  comment(start: number, end: number): void;
  /** The whole `<!DOCTYPE …>` as latin1 text. */
  doctype(start: number, end: number, text: string): void;
  /**
   * A run of text; `firstNonSpace` is the offset of its first non-whitespace byte, or -1, and
   * `firstCharacter` that of its first byte that is neither whitespace nor NUL (which the
   * body drops), or -1.
   */
  text(start: number, end: number, firstNonSpace: number, firstCharacter: number): void;
  /** True when the adjusted current node is foreign (SVG/MathML): `<![CDATA[` is a section. */
  cdataAllowed(): boolean;
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const DASH = 0x2d;
const EQ = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;
const QMARK = 0x3f;
const RSQB = 0x5d;

/**
 * How the bytes before a tag end, for what the bytes after its element could join them to if
 * the element were cut out (see {@link TagToken.tail}).
 */
export const TAIL_CLOSED = 0;
/** A `<` or a CR: bytes after it could make a tag of it, or one line break. */
export const TAIL_OPEN = 1;
/** `&` and perhaps letters, digits and `#` after it: a character reference being written. */
export const TAIL_REFERENCE = 2;

/**
 * How the bytes before index `to` of `buf` end (`TAIL_*`); `carry` is how the bytes before
 * the buffer ended. Before a tag they are mostly another tag's `>`.
 */
function tailAt(buf: Uint8Array, to: number, carry: number): number {
  if (to === 0) return carry;
  const last = buf[to - 1]!;
  if (TAILS[last] === 0) return TAIL_CLOSED;
  if (last === LT || last === 0x0d) return TAIL_OPEN;
  for (let j = to - 1; j >= 0; j--) {
    const c = buf[j]!;
    if (c === 0x26) return TAIL_REFERENCE;
    if (TAILS[c] === 0 || c === LT || c === 0x0d) return TAIL_CLOSED;
  }
  // Letters, digits or `#` back to the start: a reference begun before goes on.
  return carry === TAIL_REFERENCE ? TAIL_REFERENCE : TAIL_CLOSED;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}

// Byte classes for the loops of the tag scanner.
const C_SPACE = 1;
const C_UPPER = 2;
/** Ends a tag name: whitespace, `/`, `>`. */
const C_NAME_END = 4;
/** Ends an attribute name: whitespace, `/`, `>`, `=`. */
const C_ATTR_END = 8;
/** Ends an unquoted attribute value: whitespace, `>`. */
const C_VALUE_END = 16;
/** The class of a whitespace byte. */
const ALL_SPACE = C_SPACE | C_NAME_END | C_ATTR_END | C_VALUE_END;
const CLASS = new Uint8Array(256);
for (const c of [0x20, 0x0a, 0x09, 0x0c, 0x0d]) CLASS[c] = ALL_SPACE;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = C_UPPER;
CLASS[SLASH] = C_NAME_END | C_ATTR_END;
CLASS[GT] = C_NAME_END | C_ATTR_END | C_VALUE_END;
CLASS[EQ] = C_ATTR_END;

/** Bytes that can end a text the bytes after it continue: letters, digits, `#`, `&`, `<`, CR. */
const TAILS = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TAILS[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TAILS[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TAILS[c] = 1;
for (const c of [0x23, 0x26, LT, 0x0d]) TAILS[c] = 1;

function isAlpha(c: number): boolean {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}

/** A start or end tag. The object is reused: read it inside the callback only. */
export class TagToken {
  /** Tag name, ASCII-lowercased. */
  name = '';
  /**
   * A small number naming `name` (the same number for the same name), for tables indexed by
   * name; 0 when the name has none (too long or too many names seen).
   */
  id = 0;
  /** Offset of `<`. */
  start = 0;
  /** Offset just after `>`. */
  end = 0;
  selfClosing = false;
  /**
   * How the bytes before the tag end (`TAIL_*`): other than {@link TAIL_CLOSED} when the bytes
   * after its element, were it cut out, could continue them into something else (`a<` and
   * `b>` into a tag, `&am` and `p;` into a reference, a CR and a LF into one line break).
   */
  tail = TAIL_CLOSED;
  /** @internal [nameStart, nameEnd, valueStart, valueEnd] per attribute, in buffer indices. */
  spans: Int32Array = new Int32Array(64);
  /** @internal */
  count = 0;
  /**
   * @internal Index of the first attribute that may be one the tree builder asked for (see
   * {@link HtmlTokenizer.watchAttributes}), or -1: most tags have none, and then need no look.
   */
  firstWanted = -1;
  /** @internal */
  buf: Buffer = Buffer.alloc(0);
  /** @internal 'utf8' for UTF-8 pages; other ASCII-compatible pages compare as latin1. */
  encoding: 'utf8' | 'latin1' = 'utf8';

  /** Number of attributes as written (duplicates included). */
  get attributeCount(): number {
    return this.count;
  }

  /** @internal Doubles `spans` for a tag with many attributes; returns the new array. */
  grow(): Int32Array {
    const spans = new Int32Array(this.spans.length * 2);
    spans.set(this.spans);
    this.spans = spans;
    return spans;
  }

  /** Index of the first attribute named `lowerName` (the browser drops later duplicates), or -1. */
  indexOf(lowerName: string): number {
    for (let k = 0; k < this.count; k++) if (this.nameIs(k, lowerName)) return k;
    return -1;
  }

  /** Whether attribute `k` is named `lowerName` (lowercase), ASCII-caselessly. */
  private nameIs(k: number, lowerName: string): boolean {
    const buf = this.buf;
    const ns = this.spans[k * 4]!;
    const n = lowerName.length;
    if (this.spans[k * 4 + 1]! - ns !== n) return false;
    for (let j = 0; j < n; j++) {
      let c = buf[ns + j]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (c !== lowerName.charCodeAt(j)) return false;
    }
    return true;
  }

  /**
   * The decoded values of the attributes named in `names` (lowercase), by index in `names`, in
   * a copy of `none` (one null per name); null when the tag has none of them. `lengths` has bit
   * `n` set for each length `n` among the names (for names up to 31 bytes; longer ones set bit
   * 31), so most attributes are passed over without comparing their names. Only attributes
   * from {@link firstWanted} on are looked at: `names` must be among those the tokenizer was
   * told to watch (see {@link HtmlTokenizer.watchAttributes}).
   */
  valuesOf(
    names: readonly string[],
    lengths: number,
    none: readonly (string | null)[],
  ): (string | null)[] | null {
    let values: (string | null)[] | null = null;
    const first = this.firstWanted;
    if (first < 0) return null;
    for (let k = first; k < this.count; k++) {
      const w = this.nameIndex(k, names, lengths);
      if (w < 0) continue;
      values ??= none.slice();
      // The browser keeps the first of duplicate attributes.
      if (values[w] === null) values[w] = this.valueAt(k);
    }
    return values;
  }

  /**
   * The index in `names` (lowercase) of attribute `k`'s name, ASCII-caselessly, or -1;
   * `lengths` as in {@link valuesOf}.
   */
  private nameIndex(k: number, names: readonly string[], lengths: number): number {
    const n = this.spans[k * 4 + 1]! - this.spans[k * 4]!;
    if ((lengths & (1 << Math.min(n, 31))) === 0) return -1;
    for (let w = 0; w < names.length; w++) if (this.nameIs(k, names[w]!)) return w;
    return -1;
  }

  /**
   * False when no attribute among `names` (as in {@link valuesOf}) has a value that contains
   * one of its `needles` (ASCII-lowercase; `''` matches any value), compared ASCII-caselessly,
   * nor a `&` (a character reference could spell one): then no selector that needs one of
   * them can match the element (see `StripMatcher.needles`). True otherwise.
   */
  mayContain(names: readonly string[], lengths: number, needles: AttributeNeedles): boolean {
    const spans = this.spans;
    const first = this.firstWanted;
    if (first < 0) return false;
    for (let k = first; k < this.count; k++) {
      const w = this.nameIndex(k, names, lengths);
      if (w < 0) continue;
      const min = needles.shortest[w]!;
      if (min === 0) return true;
      // An attribute without a value has the empty value.
      const vs = spans[k * 4 + 2]!;
      const ve = spans[k * 4 + 3]!;
      // Too short for any of them: a value never has more characters than bytes (a
      // character reference takes at least three bytes for at most two).
      if (min < 0 || vs < 0 || ve - vs < min) continue;
      const list = needles.lists[w]!;
      for (let q = 0; q < list.length; q++) {
        if (containsCaseless(this.buf, vs, ve, list[q]!)) return true;
      }
    }
    return false;
  }

  /** The decoded value of an attribute (character references resolved), or null when absent. */
  attr(lowerName: string): string | null {
    const k = this.indexOf(lowerName);
    return k < 0 ? null : this.valueAt(k);
  }

  /** The lowercased name of attribute `k`. */
  nameAt(k: number): string {
    return asciiLowercase(this.buf.toString('latin1', this.spans[k * 4]!, this.spans[k * 4 + 1]!));
  }

  /** The decoded value of attribute `k`. */
  valueAt(k: number): string {
    const vs = this.spans[k * 4 + 2]!;
    const ve = this.spans[k * 4 + 3]!;
    if (vs < 0 || ve <= vs) return '';
    if (ve - vs <= MAX_INTERNED_VALUE) {
      const known = internedValue(this.buf, vs, ve);
      if (known !== null) return known;
    }
    const raw = this.buf.toString(this.encoding, vs, ve);
    return raw.includes('&') ? decodeHTMLAttribute(raw) : raw;
  }
}

// Scanner states that can span chunk boundaries.
const S_DATA = 0;
const S_COMMENT = 1;
const S_BOGUS = 2;
const S_CDATA = 3;
const S_RAW = 4; // rcdata or rawtext: only an appropriate end tag ends it
const S_SCRIPT = 5;
const S_ESC = 6;
const S_ESC_DASH = 7;
const S_ESC_DASH_DASH = 8;
const S_DESC = 9;
const S_DESC_DASH = 10;
const S_DESC_DASH_DASH = 11;
const S_PLAINTEXT = 12;

/** How much of a large chunk is joined with the bytes kept from the last one (see `write`). */
const BRIDGE_BYTES = 1024;
/**
 * Bytes kept unfinished in the data state beyond which they can only be a tag or a doctype:
 * everything else the scanner waits on there (`<`, `</`, `<!-`, `<!DOCTYP`) is a few bytes.
 */
const LONG_TAG_BYTES = 64;

const DOCTYPE = Buffer.from('doctype');
const CDATA_OPEN = Buffer.from('[CDATA[');
const SCRIPT = Buffer.from('script');

/** Incremental byte tokenizer; see the module comment. */
export class HtmlTokenizer {
  private readonly sink: TokenSink;
  private readonly tag = new TagToken();
  private buf: Buffer = Buffer.alloc(0);
  /**
   * Chunks set aside while a long unfinished tag waits for its `>` (see `write`); they follow
   * `buf`.
   */
  private aside: Buffer[] = [];
  /** The quote of the attribute value the last run ended in, inside a tag; else 0. */
  private openQuote = 0;
  /** Absolute offset of buf[0]. */
  private base = 0;
  private state = S_DATA;
  /** Where the current comment/bogus comment/CDATA began (absolute). */
  private constructStart = 0;
  /** Lowercase name whose end tag closes raw text. */
  private rawName: Buffer = SCRIPT;
  private textStart = -1;
  private textFirstNonSpace = -1;
  private textFirstCharacter = -1;
  private safe = 0;
  private ended = false;
  private unfinished = false;
  private dropped = -1;
  /** Filters for the attribute names the sink reads: bits of their lengths and first bytes. */
  private wantLengths = -1;
  private wantFirsts = -1;

  constructor(sink: TokenSink, encoding: 'utf8' | 'latin1' = 'utf8') {
    this.sink = sink;
    this.tag.encoding = encoding;
  }

  /**
   * Names (lowercase) of the attributes the sink reads through {@link TagToken.valuesOf}: the
   * scanner notes on each tag where the first attribute that may be one of them is, by length
   * (bit `n` for length `n`, 31 for longer) and by the low five bits of the first byte (which
   * ASCII case does not change). Without this call every attribute may be one.
   */
  watchAttributes(names: readonly string[]): void {
    let lengths = 0;
    let firsts = 0;
    for (const name of names) {
      lengths |= 1 << Math.min(name.length, 31);
      firsts |= 1 << (name.charCodeAt(0) & 31);
    }
    this.wantLengths = lengths;
    this.wantFirsts = firsts;
  }

  /**
   * Absolute offset below which every byte belongs to a finished token or text: nothing
   * before it can still become the start of a tag.
   */
  get safeOffset(): number {
    return this.safe;
  }

  /** True when the stream ended in plain data (not inside a tag, comment or raw text). */
  get endedInData(): boolean {
    return this.ended && this.state === S_DATA && !this.unfinished;
  }

  /**
   * Offset of the `<` of a start or end tag the stream ended in, or -1. The browser drops such
   * a tag, so the page is parsed as if it ended in data just before it.
   */
  get droppedTagAt(): number {
    return this.dropped;
  }

  /**
   * The byte at absolute offset `at`, or -1 when it is no longer buffered. Bytes of the token
   * being reported are buffered until its callback returns.
   */
  byteAt(at: number): number {
    const i = at - this.base;
    return i >= 0 && i < this.buf.length ? this.buf[i]! : -1;
  }

  /** Switches the text mode after a start tag (called by the tree builder from `startTag`). */
  setTextMode(mode: TextMode, name: string): void {
    if (mode === 'data') this.state = S_DATA;
    else if (mode === 'plaintext') this.state = S_PLAINTEXT;
    else if (mode === 'script') {
      this.state = S_SCRIPT;
      this.rawName = SCRIPT;
    } else {
      this.state = S_RAW;
      this.rawName = Buffer.from(name, 'latin1');
    }
  }

  /** Feeds the next chunk. */
  write(chunk: Buffer): void {
    if (this.state === S_DATA && this.buf.length > LONG_TAG_BYTES) {
      // Only a tag (or a doctype) is left unfinished at this length, and it ends only at a
      // `>` — inside a quoted value, only after the closing quote. Joining each chunk with it
      // and scanning it again from its `<` would cost time quadratic in its length (a data:
      // URL of a few MB, in 16 KiB chunks, took seconds): set chunks aside that cannot end it
      // and join them all once one can.
      if (chunk.indexOf(this.openQuote === 0 ? GT : this.openQuote) < 0) {
        this.aside.push(chunk);
        return;
      }
      this.buf = Buffer.concat([this.buf, ...this.aside, chunk]);
      this.aside = [];
      this.run(false);
      return;
    }
    if (this.buf.length === 0 || chunk.length === 0) {
      if (this.buf.length === 0) this.buf = chunk;
      this.run(false);
      return;
    }
    // The bytes of an unfinished token wait in `buf`. Joining them with a whole large chunk
    // would copy all of it: join them with its start only, up to a `<` (where the bytes kept
    // are usually none again), and take the rest as it is. (Not when the token kept is itself
    // large, say a tag with a long data: URL: then it would be copied twice.)
    const cut =
      chunk.length > BRIDGE_BYTES && this.buf.length <= BRIDGE_BYTES
        ? chunk.indexOf(LT, BRIDGE_BYTES)
        : -1;
    if (cut < 0) {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.run(false);
      return;
    }
    this.buf = Buffer.concat([this.buf, chunk.subarray(0, cut)]);
    this.run(false);
    const rest = chunk.subarray(cut);
    this.buf = this.buf.length === 0 ? rest : Buffer.concat([this.buf, rest]);
    this.run(false);
  }

  /** Signals the end of the stream. */
  end(): void {
    if (this.aside.length > 0) {
      this.buf = Buffer.concat([this.buf, ...this.aside]);
      this.aside = [];
    }
    this.run(true);
    this.ended = true;
  }

  // ── the scanner ─────────────────────────────────────────────────────────────

  private run(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    this.tag.buf = buf;
    this.openQuote = 0;
    let i = 0;
    let keep = -1; // buffer index to keep from when more bytes are needed
    scan: while (i < len) {
      switch (this.state) {
        case S_DATA: {
          const lt = indexOfLt(buf, i, len);
          if (lt < 0) {
            this.addText(i, len);
            i = len;
            break scan;
          }
          if (lt > i) this.addText(i, lt);
          const r = this.markup(lt, final);
          if (r < 0) {
            keep = lt;
            break scan;
          }
          i = r;
          break;
        }
        case S_COMMENT: {
          const r = this.findCommentEnd(i);
          if (r < 0) {
            keep = Math.max(i, len - 3);
            break scan;
          }
          this.flushText();
          this.sink.comment(this.constructStart, this.base + r);
          this.state = S_DATA;
          i = r;
          break;
        }
        case S_BOGUS: {
          const gt = buf.indexOf(GT, i);
          if (gt < 0) {
            i = len;
            break scan;
          }
          this.sink.comment(this.constructStart, this.base + gt + 1);
          this.state = S_DATA;
          i = gt + 1;
          break;
        }
        case S_CDATA: {
          let q = buf.indexOf(RSQB, i);
          while (q >= 0 && q + 2 < len && !(buf[q + 1] === RSQB && buf[q + 2] === GT)) {
            q = buf.indexOf(RSQB, q + 1);
          }
          if (q < 0 || q + 2 >= len) {
            keep = q < 0 ? Math.max(i, len - 2) : q;
            this.cdataContent(i, keep);
            break scan;
          }
          this.cdataContent(i, q);
          // The section's characters are its content: an empty one has none.
          this.sink.text(
            this.constructStart,
            this.base + q + 3,
            this.cdataFirst,
            this.cdataFirstCharacter,
          );
          this.state = S_DATA;
          i = q + 3;
          break;
        }
        case S_RAW: {
          const lt = buf.indexOf(LT, i);
          if (lt < 0) {
            i = len;
            break scan;
          }
          const m = this.endTagAhead(lt, final);
          if (m < 0) {
            keep = lt;
            break scan;
          }
          if (m === 0) {
            i = lt + 1;
            break;
          }
          const r = this.parseTag(lt, true);
          if (r < 0) {
            keep = lt;
            break scan;
          }
          this.state = S_DATA;
          i = r;
          break;
        }
        case S_PLAINTEXT:
          i = len;
          break scan;
        default: {
          const r = this.scriptData(i, final);
          if (r < 0) {
            keep = -r - 1;
            break scan;
          }
          i = r;
        }
      }
    }
    if (final && keep >= 0) {
      // EOF inside an unfinished token: the browser drops it; its bytes stay as they are.
      if (this.state === S_DATA) {
        this.unfinished = true;
        const c = buf[keep + 1] ?? 0;
        if (isAlpha(c) || (c === SLASH && isAlpha(buf[keep + 2] ?? 0)))
          this.dropped = this.base + keep;
      }
      keep = -1;
      i = len;
    }
    this.flushText();
    this.tailAtStart = tailAt(buf, keep >= 0 ? keep : len, this.tailAtStart);
    if (keep >= 0) {
      this.safe = this.base + keep;
      this.buf = buf.subarray(keep);
      this.base += keep;
    } else {
      this.safe = this.base + len;
      this.base += len;
      this.buf = Buffer.alloc(0);
    }
  }

  /** How the bytes before the buffer end (see {@link TagToken.tail}). */
  private tailAtStart = TAIL_CLOSED;

  /** In the CDATA section being read, the offsets of {@link TokenSink.text}, or -1. */
  private cdataFirst = -1;
  private cdataFirstCharacter = -1;

  /** Reads the bytes `[from, to)` of a CDATA section's content (see {@link cdataFirst}). */
  private cdataContent(from: number, to: number): void {
    if (this.cdataFirstCharacter >= 0) return;
    const buf = this.buf;
    for (let j = from; j < to; j++) {
      const c = buf[j]!;
      if (isSpace(c)) continue;
      if (this.cdataFirst < 0) this.cdataFirst = this.base + j;
      if (c !== 0) {
        this.cdataFirstCharacter = this.base + j;
        return;
      }
    }
  }

  private addText(from: number, to: number): void {
    if (this.textStart < 0) this.textStart = this.base + from;
    if (this.textFirstCharacter < 0) {
      const buf = this.buf;
      for (let j = from; j < to; j++) {
        const c = buf[j]!;
        if (isSpace(c)) continue;
        if (this.textFirstNonSpace < 0) this.textFirstNonSpace = this.base + j;
        if (c !== 0) {
          this.textFirstCharacter = this.base + j;
          break;
        }
      }
    }
    this.textEnd = this.base + to;
  }

  private textEnd = 0;

  private flushText(): void {
    if (this.textStart < 0) return;
    const start = this.textStart;
    const first = this.textFirstNonSpace;
    const character = this.textFirstCharacter;
    this.textStart = -1;
    this.textFirstNonSpace = -1;
    this.textFirstCharacter = -1;
    this.sink.text(start, this.textEnd, first, character);
  }

  /**
   * Handles `<` at `lt` in the data state. Returns the index to continue at, or -1 when more
   * bytes are needed.
   */
  private markup(lt: number, final: boolean): number {
    const buf = this.buf;
    const len = buf.length;
    if (lt + 1 >= len) return final ? this.asText(lt, lt + 1) : -1;
    const c = buf[lt + 1]!;
    if (isAlpha(c)) {
      this.flushText();
      return this.parseTag(lt, false);
    }
    if (c === SLASH) {
      if (lt + 2 >= len) return final ? this.asText(lt, lt + 2) : -1;
      const d = buf[lt + 2]!;
      if (isAlpha(d)) {
        this.flushText();
        return this.parseTag(lt, true);
      }
      if (d === GT) return lt + 3; // `</>` is dropped entirely
      return this.bogus(lt, lt + 2);
    }
    if (c === QMARK) return this.bogus(lt, lt + 1);
    if (c === BANG) {
      if (lt + 3 < len && buf[lt + 2] === DASH && buf[lt + 3] === DASH) {
        this.flushText();
        this.constructStart = this.base + lt;
        const cs = lt + 4;
        if (cs < len && buf[cs] === GT) return this.emitComment(cs + 1); // `<!-->`
        if (cs + 1 < len && buf[cs] === DASH && buf[cs + 1] === GT) return this.emitComment(cs + 2);
        if (cs >= len || (cs + 1 >= len && buf[cs] === DASH)) {
          if (!final) return -1;
        }
        this.state = S_COMMENT;
        return cs;
      }
      if (lt + 9 > len && !final) {
        // Could still become `<!--`, `<!DOCTYPE` or `<![CDATA[`.
        if (this.couldBeDeclaration(lt + 2, len)) return -1;
      }
      if (lt + 9 <= len && matchesCaseless(buf, lt + 2, DOCTYPE)) {
        const gt = buf.indexOf(GT, lt + 9);
        if (gt < 0) return -1;
        this.flushText();
        this.sink.doctype(this.base + lt, this.base + gt + 1, buf.toString('latin1', lt, gt + 1));
        return gt + 1;
      }
      if (lt + 9 <= len && matchesExact(buf, lt + 2, CDATA_OPEN) && this.sink.cdataAllowed()) {
        this.flushText();
        this.constructStart = this.base + lt;
        this.cdataFirst = -1;
        this.cdataFirstCharacter = -1;
        this.state = S_CDATA;
        return lt + 9;
      }
      return this.bogus(lt, lt + 2);
    }
    return this.asText(lt, lt + 1);
  }

  private couldBeDeclaration(from: number, len: number): boolean {
    const buf = this.buf;
    const n = len - from;
    const prefixOf = (word: string, caseless: boolean) => {
      for (let j = 0; j < n; j++) {
        let c = buf[from + j]!;
        if (caseless && c >= 0x41 && c <= 0x5a) c |= 0x20;
        if (c !== word.charCodeAt(j)) return false;
      }
      return true;
    };
    return prefixOf('--', false) || prefixOf('doctype', true) || prefixOf('[CDATA[', false);
  }

  private asText(from: number, to: number): number {
    this.addText(from, to);
    return to;
  }

  private emitComment(end: number): number {
    this.sink.comment(this.constructStart, this.base + end);
    this.state = S_DATA;
    return end;
  }

  private bogus(lt: number, from: number): number {
    this.flushText();
    this.constructStart = this.base + lt;
    this.state = S_BOGUS;
    return from;
  }

  /** Index after `-->` or `--!>`, or -1 when the buffer ends first. */
  private findCommentEnd(from: number): number {
    const buf = this.buf;
    const len = buf.length;
    let q = buf.indexOf(DASH, from);
    while (q >= 0) {
      if (q + 2 >= len) return -1;
      if (buf[q + 1] === DASH) {
        const c = buf[q + 2];
        if (c === GT) return q + 3;
        if (c === BANG) {
          if (q + 3 >= len) return -1;
          if (buf[q + 3] === GT) return q + 4;
        }
      }
      q = buf.indexOf(DASH, q + 1);
    }
    return -1;
  }

  /**
   * Whether `</name` + delimiter (the appropriate end tag) starts at `lt`: 1 yes, 0 no, -1 not
   * enough bytes yet.
   */
  private endTagAhead(lt: number, final: boolean): number {
    const buf = this.buf;
    const name = this.rawName;
    const need = lt + 2 + name.length;
    if (need >= buf.length) {
      if (final) return 0;
      // Only wait when what we have so far could still be the end tag.
      for (let j = lt + 1; j < buf.length; j++) {
        const k = j - lt - 2;
        let c = buf[j]!;
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        if (k < 0 ? c !== SLASH : c !== name[k]) return 0;
      }
      return -1;
    }
    if (buf[lt + 1] !== SLASH) return 0;
    for (let j = 0; j < name.length; j++) {
      let c = buf[lt + 2 + j]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (c !== name[j]) return 0;
    }
    const d = buf[need]!;
    return isSpace(d) || d === SLASH || d === GT ? 1 : 0;
  }

  /**
   * Script data and its escaped states (HTML §13.2.5.15–§13.2.5.31). Returns the next index,
   * or `-(keep + 1)` when more bytes are needed from `keep` on.
   */
  private scriptData(i: number, final: boolean): number {
    const buf = this.buf;
    const len = buf.length;
    while (i < len) {
      const s = this.state;
      if (s === S_SCRIPT) {
        const lt = buf.indexOf(LT, i);
        if (lt < 0) return len;
        if (lt + 1 >= len) return final ? len : -(lt + 1);
        const c = buf[lt + 1];
        if (c === SLASH) {
          const m = this.endTagAhead(lt, final);
          if (m < 0) return -(lt + 1);
          if (m === 1) return this.closeRaw(lt);
          i = lt + 2;
        } else if (c === BANG) {
          if (lt + 3 >= len && !final) return -(lt + 1);
          if (buf[lt + 2] === DASH && buf[lt + 3] === DASH) {
            this.state = S_ESC_DASH_DASH;
            i = lt + 4;
          } else i = lt + 2;
        } else i = lt + 1;
        continue;
      }
      const c = buf[i]!;
      const escaped = s === S_ESC || s === S_ESC_DASH || s === S_ESC_DASH_DASH;
      if (c === DASH) {
        if (s === S_ESC) this.state = S_ESC_DASH;
        else if (s === S_ESC_DASH) this.state = S_ESC_DASH_DASH;
        else if (s === S_DESC) this.state = S_DESC_DASH;
        else if (s === S_DESC_DASH) this.state = S_DESC_DASH_DASH;
        i++;
        continue;
      }
      if (c === GT && (s === S_ESC_DASH_DASH || s === S_DESC_DASH_DASH)) {
        this.state = S_SCRIPT;
        i++;
        continue;
      }
      if (c !== LT) {
        this.state = escaped ? S_ESC : S_DESC;
        i++;
        continue;
      }
      // `<` in an escaped or double-escaped state.
      if (i + 1 >= len) return final ? len : -(i + 1);
      const d = buf[i + 1]!;
      if (escaped) {
        this.state = S_ESC;
        if (d === SLASH) {
          const m = this.endTagAhead(i, final);
          if (m < 0) return -(i + 1);
          if (m === 1) return this.closeRaw(i);
          i += 2;
          continue;
        }
        if (isAlpha(d)) {
          const w = this.wordIsScript(i + 1, final);
          if (w < 0) return -(i + 1);
          if (w > 0) {
            this.state = S_DESC;
            i = w;
          } else i++;
          continue;
        }
        i++;
        continue;
      }
      this.state = S_DESC;
      if (d === SLASH) {
        const w = this.wordIsScript(i + 2, final);
        if (w < 0) return -(i + 1);
        if (w > 0) {
          this.state = S_ESC;
          i = w;
        } else i += 2;
        continue;
      }
      i++;
    }
    return len;
  }

  /**
   * Whether the letters at `from` spell "script" followed by a delimiter: the index after the
   * delimiter, 0 when not, -1 when more bytes are needed.
   */
  private wordIsScript(from: number, final: boolean): number {
    const buf = this.buf;
    const len = buf.length;
    for (let j = 0; j <= 6; j++) {
      if (from + j >= len) return final ? 0 : -1;
      let c = buf[from + j]!;
      if (j === 6) return isSpace(c) || c === SLASH || c === GT ? from + 7 : 0;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (c !== SCRIPT[j]) return 0;
    }
    return 0;
  }

  private closeRaw(lt: number): number {
    const r = this.parseTag(lt, true);
    if (r < 0) return -(lt + 1);
    this.state = S_DATA;
    return r;
  }

  /**
   * Parses a start or end tag whose `<` is at `lt` (HTML §13.2.5.6–§13.2.5.40) and emits it.
   * Returns the index after `>`, or -1 when the buffer ends inside the tag.
   */
  private parseTag(lt: number, isEnd: boolean): number {
    const buf = this.buf;
    const len = buf.length;
    const tag = this.tag;
    let i = lt + (isEnd ? 2 : 1);
    const nameStart = i;
    let upper = false;
    let c = 0;
    // The hash of the lowercased name (see `slotOf`), computed on the way.
    let h = 0;
    while (i < len) {
      const b = buf[i]!;
      const k = CLASS[b]!;
      if ((k & C_NAME_END) !== 0) break;
      if (k === C_UPPER) upper = true;
      h = (Math.imul(h, 31) + (b | 0x20)) | 0;
      i++;
    }
    if (i >= len) return -1;
    const nameEnd = i;
    tag.selfClosing = false;
    // The attribute spans are written through locals: this loop runs for every attribute.
    let spans = tag.spans;
    let at = 0; // 4 × the number of attributes so far
    let firstWanted = -1;
    const wantLengths = this.wantLengths;
    const wantFirsts = this.wantFirsts;
    for (;;) {
      while (i < len && CLASS[buf[i]!] === ALL_SPACE) i++;
      if (i >= len) return -1;
      c = buf[i]!;
      if (c === GT) {
        i++;
        break;
      }
      if (c === SLASH) {
        i++;
        if (i >= len) return -1;
        if (buf[i] === GT) {
          tag.selfClosing = true;
          i++;
          break;
        }
        continue;
      }
      const ns = i++;
      while (i < len && (CLASS[buf[i]!]! & C_ATTR_END) === 0) i++;
      if (i >= len) return -1;
      const ne = i;
      while (i < len && CLASS[buf[i]!] === ALL_SPACE) i++;
      if (i >= len) return -1;
      let vs = -1;
      let ve = -1;
      if (buf[i] === EQ) {
        i++;
        while (i < len && CLASS[buf[i]!] === ALL_SPACE) i++;
        if (i >= len) return -1;
        c = buf[i]!;
        if (c === QUOT || c === APOS) {
          // A loop beats Buffer#indexOf's call overhead on values this short.
          let q = i + 1;
          while (q < len && buf[q] !== c) q++;
          if (q >= len) {
            this.openQuote = c;
            return -1;
          }
          vs = i + 1;
          ve = q;
          i = q + 1;
        } else if (c === GT) {
          vs = i;
          ve = i;
        } else {
          vs = i;
          while (i < len && (CLASS[buf[i]!]! & C_VALUE_END) === 0) i++;
          if (i >= len) return -1;
          ve = i;
        }
      }
      if (
        firstWanted < 0 &&
        (wantLengths & (1 << Math.min(ne - ns, 31))) !== 0 &&
        (wantFirsts & (1 << (buf[ns]! & 31))) !== 0
      ) {
        firstWanted = at >> 2;
      }
      if (at + 4 > spans.length) spans = tag.grow();
      spans[at] = ns;
      spans[at + 1] = ne;
      spans[at + 2] = vs;
      spans[at + 3] = ve;
      at += 4;
    }
    tag.count = at >> 2;
    tag.firstWanted = firstWanted;
    tagName(tag, buf, nameStart, nameEnd, upper, (h ^ (h >>> 10)) & (NAME_SLOTS - 1));
    tag.start = this.base + lt;
    tag.end = this.base + i;
    tag.buf = buf;
    tag.tail = tailAt(buf, lt, this.tailAtStart);
    if (isEnd) this.sink.endTag(tag);
    else this.sink.startTag(tag);
    return i;
  }
}

// ── tag names ─────────────────────────────────────────────────────────────────

/**
 * Names already seen, by a hash of their lowercased bytes. Handing out the same string for the
 * same name spares a string per tag and lets the tree builder's `switch`es and `Set`s compare
 * identical (internalized) strings instead of fresh ones.
 */
const NAME_SLOTS = 1024;
const MAX_INTERNED = 24;
const names: (string | undefined)[] = new Array(NAME_SLOTS);

/** The slot of a name in `names`: a hash of its lowercased bytes. */
function slotOf(buf: Uint8Array, from: number, to: number): number {
  let h = 0;
  for (let j = from; j < to; j++) h = (Math.imul(h, 31) + (buf[j]! | 0x20)) | 0;
  return (h ^ (h >>> 10)) & (NAME_SLOTS - 1);
}

/**
 * The engine's internalized copy of `s` (property keys are internalized). A string built from
 * bytes is not, and comparing it with a literal (every `switch (name)` and `Set` of names in
 * the tree builder) then compares characters instead of pointers.
 */
export function internalize(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** The number of the name in each slot of `names` (see {@link TagToken.id}). */
const nameIds = new Int32Array(NAME_SLOTS);
/** Name numbers stay below this, so tables indexed by them stay small. */
export const MAX_TAG_ID = 4096;
let nextId = 1;

/**
 * The bytes of the name in each slot of `names`, {@link MAX_INTERNED} per slot, and its length
 * (0: none): comparing a tag's bytes with them is cheaper than with the string's characters.
 */
const nameBytes = new Uint8Array(NAME_SLOTS * MAX_INTERNED);
const nameLengths = new Uint8Array(NAME_SLOTS);

function intern(slot: number, name: string): void {
  names[slot] = internalize(name);
  nameBytes.set(Buffer.from(name, 'latin1'), slot * MAX_INTERNED);
  nameLengths[slot] = name.length;
  // A slot taken over by another name gives the new name a new number: numbers never change meaning.
  nameIds[slot] = nextId < MAX_TAG_ID ? nextId++ : 0;
}

/** Sets `tag.name` and `tag.id` from the name's bytes; `slot` is {@link slotOf} of them. */
function tagName(
  tag: TagToken,
  buf: Buffer,
  from: number,
  to: number,
  upper: boolean,
  slot: number,
): void {
  const n = to - from;
  if (n > MAX_INTERNED) {
    const name = buf.toString('latin1', from, to);
    tag.name = upper ? asciiLowercase(name) : name;
    tag.id = 0;
    return;
  }
  if (nameLengths[slot] === n) {
    const at = slot * MAX_INTERNED - from;
    let j = from;
    if (upper) {
      for (; j < to; j++) {
        let c = buf[j]!;
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        if (c !== nameBytes[at + j]) break;
      }
    } else {
      while (j < to && buf[j] === nameBytes[at + j]) j++;
    }
    if (j === to) {
      tag.name = names[slot]!;
      tag.id = nameIds[slot]!;
      return;
    }
  }
  const raw = buf.toString('latin1', from, to);
  intern(slot, upper ? asciiLowercase(raw) : raw);
  tag.name = names[slot]!;
  tag.id = nameIds[slot]!;
}

// ── attribute values ──────────────────────────────────────────────────────────

/**
 * Short plain-ASCII attribute values seen recently (class names, ids, roles: the same few on
 * every element of a page), by a hash of their bytes. Such a value reads the same in UTF-8 and
 * in any ASCII-compatible charset and has no character reference to resolve, so the string
 * can be handed out again instead of decoding the bytes once more.
 */
const MAX_INTERNED_VALUE = 32;
const VALUE_SLOTS = 512;
const values: (string | undefined)[] = new Array(VALUE_SLOTS);

/** The interned string for the value bytes `[from, to)`, or null when they are not plain ASCII. */
function internedValue(buf: Buffer, from: number, to: number): string | null {
  let h = 0;
  for (let j = from; j < to; j++) {
    const c = buf[j]!;
    if (c >= 0x80 || c === 0x26) return null; // non-ASCII, or `&`
    h = (Math.imul(h, 31) + c) | 0;
  }
  const slot = (h ^ (h >>> 9)) & (VALUE_SLOTS - 1);
  const known = values[slot];
  const n = to - from;
  if (known !== undefined && known.length === n) {
    let j = 0;
    while (j < n && buf[from + j] === known.charCodeAt(j)) j++;
    if (j === n) return known;
  }
  const value = buf.toString('latin1', from, to);
  values[slot] = value;
  return value;
}

// The HTML, SVG and MathML names the tree builder tests: each gets its slot (and number) first.
for (const name of (
  'a address annotation-xml applet area article aside b base basefont bgsound big blockquote ' +
  'body br button caption center code col colgroup dd desc details dialog dir div dl dt em ' +
  'embed fieldset figcaption figure font footer foreignobject form frame frameset h1 h2 h3 h4 ' +
  'h5 h6 head header hgroup hr html i iframe image img input keygen label li link listing main ' +
  'malignmark marquee math menu meta mglyph mi mn mo ms mtext nav nobr noembed noframes ' +
  'noscript object ol optgroup option p param plaintext pre rb rp rt rtc ruby s script search ' +
  'section select small source span strike strong style sub summary sup svg table tbody td ' +
  'template textarea tfoot th thead title tr track tt u ul var wbr xmp abbr cite dfn kbd mark ' +
  'q samp time data picture canvas video audio noscript'
).split(' ')) {
  const slot = slotOf(Buffer.from(name, 'latin1'), 0, name.length);
  if (names[slot] === undefined) intern(slot, name);
}

/**
 * `buf.indexOf(LT, from)`: text between tags is mostly short, and a plain loop over the first
 * bytes beats the call into the native search; longer runs still get it.
 */
function indexOfLt(buf: Buffer, from: number, len: number): number {
  const stop = Math.min(len, from + 64);
  for (let j = from; j < stop; j++) if (buf[j] === LT) return j;
  return stop < len ? buf.indexOf(LT, stop) : -1;
}

/**
 * Whether bytes `[from, to)` contain `needle` (ASCII-lowercase) ASCII-caselessly, or a `&`;
 * an empty needle is in every value, even an absent one's.
 */
function containsCaseless(buf: Buffer, from: number, to: number, needle: string): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle.charCodeAt(0);
  for (let i = from; i < to; i++) {
    let c = buf[i]!;
    if (c === 0x26) return true;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== first || i + n > to) continue;
    let j = 1;
    while (j < n) {
      let d = buf[i + j]!;
      if (d >= 0x41 && d <= 0x5a) d |= 0x20;
      if (d !== needle.charCodeAt(j)) break;
      j++;
    }
    if (j === n) return true;
  }
  return false;
}

function matchesCaseless(buf: Buffer, at: number, lower: Buffer): boolean {
  for (let j = 0; j < lower.length; j++) {
    let c = buf[at + j]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower[j]) return false;
  }
  return true;
}

function matchesExact(buf: Buffer, at: number, word: Buffer): boolean {
  for (let j = 0; j < word.length; j++) if (buf[at + j] !== word[j]) return false;
  return true;
}
