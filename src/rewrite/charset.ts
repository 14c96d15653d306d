/**
 * The character encoding of an HTML page, determined the way browsers do (HTML §13.2.3): a
 * byte order mark, else the Content-Type charset, else a `<meta>` found by prescanning the
 * first 1024 bytes, else windows-1252. The rewriter works on bytes, so any encoding in which
 * ASCII bytes mean ASCII characters is kept exactly; the others (UTF-16, ISO-2022-JP and the
 * "replacement" encodings) are not rewritten at all.
 */

/** How many bytes the `<meta>` prescan looks at. */
export const PRESCAN_BYTES = 1024;

export interface CharsetDecision {
  /** WHATWG encoding name, lowercased (e.g. `utf-8`, `windows-1252`, `shift_jis`, `utf-16le`). */
  readonly encoding: string;
  readonly source: 'bom' | 'header' | 'meta' | 'default';
  /** False for encodings in which `<`, `>` and quotes are not single ASCII bytes. */
  readonly asciiCompatible: boolean;
}

const NOT_ASCII_COMPATIBLE = new Map<string, string>([
  ['unicodefffe', 'utf-16be'],
  ['utf-16be', 'utf-16be'],
  ['csunicode', 'utf-16le'],
  ['iso-10646-ucs-2', 'utf-16le'],
  ['ucs-2', 'utf-16le'],
  ['unicode', 'utf-16le'],
  ['unicodefeff', 'utf-16le'],
  ['utf-16', 'utf-16le'],
  ['utf-16le', 'utf-16le'],
  ['csiso2022jp', 'iso-2022-jp'],
  ['iso-2022-jp', 'iso-2022-jp'],
  ['csiso2022kr', 'replacement'],
  ['hz-gb-2312', 'replacement'],
  ['iso-2022-cn', 'replacement'],
  ['iso-2022-cn-ext', 'replacement'],
  ['iso-2022-kr', 'replacement'],
  ['replacement', 'replacement'],
]);

/** The WHATWG encoding a label names, or null for an unknown label. */
export function encodingForLabel(label: string): string | null {
  const key = label.trim().toLowerCase();
  const special = NOT_ASCII_COMPATIBLE.get(key);
  if (special !== undefined) return special;
  if (key === 'x-user-defined') return 'x-user-defined';
  try {
    return new TextDecoder(key).encoding;
  } catch {
    return null;
  }
}

/**
 * The encoding a label names when it is one the rewriter cannot work in (UTF-16, ISO-2022-JP,
 * "replacement"), else null. Cheaper than {@link encodingForLabel}: these labels are all known.
 */
export function asciiIncompatibleEncoding(label: string): string | null {
  return NOT_ASCII_COMPATIBLE.get(label.trim().toLowerCase()) ?? null;
}

function isAsciiCompatible(encoding: string): boolean {
  return !(
    encoding === 'utf-16le' ||
    encoding === 'utf-16be' ||
    encoding === 'iso-2022-jp' ||
    encoding === 'replacement'
  );
}

/** The charset parameter of a Content-Type header value, or null. */
export function charsetFromContentType(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** The length of a UTF-8 byte order mark, the bytes EF BB BF. */
export const UTF8_BOM_BYTES = 3;

/**
 * Whether the first bytes of a body may still become a byte order mark: fewer than three, and
 * the start of one. Browsers wait for three bytes (or the end) before ruling a BOM out
 * (Encoding, "BOM sniff"), however slow the network.
 */
export function mayStartBom(head: Buffer): boolean {
  if (head.length === 1) return head[0] === 0xef || head[0] === 0xfe || head[0] === 0xff;
  return head.length === 2 && head[0] === 0xef && head[1] === 0xbb;
}

/**
 * Decides the encoding from the first bytes of the body. Returns null while more bytes are
 * needed (`complete` says the body has ended, so what is there is all there is).
 */
export function sniffCharset(
  head: Buffer,
  headerLabel: string | null,
  complete: boolean,
): CharsetDecision | null {
  if (head.length < 3 && !complete) return null;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    return { encoding: 'utf-8', source: 'bom', asciiCompatible: true };
  }
  if (head[0] === 0xfe && head[1] === 0xff) {
    return { encoding: 'utf-16be', source: 'bom', asciiCompatible: false };
  }
  if (head[0] === 0xff && head[1] === 0xfe) {
    return { encoding: 'utf-16le', source: 'bom', asciiCompatible: false };
  }
  const fromHeader = headerLabel === null ? null : encodingForLabel(headerLabel);
  if (fromHeader !== null) {
    return {
      encoding: fromHeader,
      source: 'header',
      asciiCompatible: isAsciiCompatible(fromHeader),
    };
  }
  if (head.length < PRESCAN_BYTES && !complete) return null;
  const fromMeta = prescanMeta(head.subarray(0, PRESCAN_BYTES));
  if (fromMeta !== null) {
    return { encoding: fromMeta, source: 'meta', asciiCompatible: isAsciiCompatible(fromMeta) };
  }
  return { encoding: 'windows-1252', source: 'default', asciiCompatible: true };
}

const isSpaceOrSlash = (c: number | undefined) =>
  c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20 || c === 0x2f;

/** The prescan for a `<meta>` charset declaration (HTML §13.2.3.2), on at most 1024 bytes. */
export function prescanMeta(buf: Buffer): string | null {
  const len = buf.length;
  let i = 0;
  while (i < len) {
    if (buf[i] !== 0x3c) {
      i++;
      continue;
    }
    if (buf[i + 1] === 0x21 && buf[i + 2] === 0x2d && buf[i + 3] === 0x2d) {
      const end = buf.indexOf('-->', i + 2);
      if (end < 0) return null;
      i = end + 3;
      continue;
    }
    if (
      buf.toString('latin1', i + 1, i + 5).toLowerCase() === 'meta' &&
      isSpaceOrSlash(buf[i + 5])
    ) {
      const found = metaCharset(buf, i + 5);
      if (found.charset !== null) return found.charset;
      i = found.next;
      continue;
    }
    const c = buf[i + 1] ?? 0;
    const alpha = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
    if (
      alpha ||
      (c === 0x2f && ((buf[i + 2] ?? 0) | 0x20) >= 0x61 && ((buf[i + 2] ?? 0) | 0x20) <= 0x7a)
    ) {
      // Skip the tag's attributes so that quoted `>` do not end it early.
      let j = i + 1;
      while (j < len && !isSpaceOrSlash(buf[j]) && buf[j] !== 0x3e) j++;
      for (;;) {
        const a = readAttribute(buf, j);
        if (a === null) break;
        j = a.next;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x21 || c === 0x2f || c === 0x3f) {
      const gt = buf.indexOf(0x3e, i + 1);
      if (gt < 0) return null;
      i = gt + 1;
      continue;
    }
    i++;
  }
  return null;
}

function metaCharset(buf: Buffer, from: number): { charset: string | null; next: number } {
  let j = from;
  const seen = new Set<string>();
  let gotPragma = false;
  let needPragma: boolean | null = null;
  let charset: string | null = null;
  for (;;) {
    const a = readAttribute(buf, j);
    if (a === null) break;
    j = a.next;
    if (seen.has(a.name)) continue;
    seen.add(a.name);
    if (a.name === 'http-equiv') {
      if (a.value.toLowerCase() === 'content-type') gotPragma = true;
    } else if (a.name === 'content') {
      const fromContent = charsetFromMetaContent(a.value);
      if (fromContent !== null && charset === null) {
        charset = fromContent;
        needPragma = true;
      }
    } else if (a.name === 'charset') {
      charset = a.value;
      needPragma = false;
    }
  }
  if (needPragma === null || (needPragma && !gotPragma) || charset === null) {
    return { charset: null, next: j + 1 };
  }
  let encoding = encodingForLabel(charset);
  if (encoding === null) return { charset: null, next: j + 1 };
  // A page cannot declare itself UTF-16 from inside: the bytes already read as ASCII.
  if (encoding === 'utf-16le' || encoding === 'utf-16be') encoding = 'utf-8';
  if (encoding === 'x-user-defined') encoding = 'windows-1252';
  return { charset: encoding, next: j + 1 };
}

/** "Get an attribute" of the prescan; null at `>` or the end of the buffer. */
function readAttribute(
  buf: Buffer,
  i: number,
): { name: string; value: string; next: number } | null {
  const len = buf.length;
  while (i < len && isSpaceOrSlash(buf[i])) i++;
  if (i >= len || buf[i] === 0x3e) return null;
  let name = '';
  let value = '';
  for (; i < len; i++) {
    const c = buf[i]!;
    if (c === 0x3d && name !== '') break;
    if (isSpaceOrSlash(c) || c === 0x3e) break;
    name += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
  }
  while (i < len && isSpaceOrSlash(buf[i]) && buf[i] !== 0x2f) i++;
  if (buf[i] !== 0x3d) return { name, value, next: i };
  i++;
  while (i < len && isSpaceOrSlash(buf[i]) && buf[i] !== 0x2f) i++;
  const q = buf[i];
  if (q === 0x22 || q === 0x27) {
    const end = buf.indexOf(q, i + 1);
    if (end < 0) return null;
    value = buf.toString('latin1', i + 1, end);
    return { name, value, next: end + 1 };
  }
  const start = i;
  while (i < len && !isSpaceOrSlash(buf[i]) && buf[i] !== 0x3e) i++;
  value = buf.toString('latin1', start, i);
  return { name, value, next: i };
}

/** "Extract a character encoding from a meta element" (HTML §2.3.9 of the fetch algorithms). */
function charsetFromMetaContent(content: string): string | null {
  const m = /charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))/i.exec(content);
  if (!m) return null;
  return m[1] ?? m[2] ?? m[3] ?? null;
}
