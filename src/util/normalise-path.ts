/**
 * The one place that says how a URL path is read, for everything that matches or counts paths:
 * `exclude`, `servicePoints`, trigger `pages`, page views and `returns`, the heartbeat's `path`.
 *
 * Upstreams read an oddly spelled path differently: some decode `%2F` into a slash, merge `//`,
 * resolve `/./` and `/../`, take `\` for `/`, drop `;params` from segments (Tomcat and Jetty,
 * so `/x/..;/payment` is `/payment` there), decode twice (IIS) or ignore case. So a path has
 * several readings ({@link pathReadings}): exclusion asks whether ANY of them is excluded, since
 * helpgate cannot know which one the upstream serves and tracking a payment page is the worse
 * mistake. Matching into a trigger and counting use ONE reading ({@link canonicalPath}), so
 * that every spelling of a page counts as, and is offered help as, that page.
 */

export interface PathOptions {
  /** `paths.caseInsensitive`: the upstream serves `/A` and `/a` as the same page. */
  readonly caseInsensitive: boolean;
}

/**
 * The canonical reading of `path` (a URL path; a query or fragment is cut off): `\` taken for
 * `/` as browsers do, escapes of ASCII characters a browser would leave as they are decoded
 * (`%6d` → `m`, `%2F` → `/`, `%2e` → `.`), characters a browser would escape escaped, other
 * escapes in upper case (`%C3%A9`; `%25`, `%3F`, `%23` and `%5C` stay escapes), slashes merged
 * and dot segments resolved (RFC 3986 §5.2.4), and with `caseInsensitive` all in lower case.
 * A trailing slash stays: `/a/` is not `/a`, as it is not to most upstreams. Idempotent.
 */
export function canonicalPath(path: string, options: PathOptions): string {
  let canonical = withoutQuery(path);
  if (!ODD.test(canonical) && !TO_ESCAPE_ONE.test(canonical)) {
    return options.caseInsensitive ? canonical.toLowerCase() : canonical;
  }
  canonical = canonical.replace(/\\/g, '/');
  canonical = canonical.replace(ESCAPE, (escaped, hex: string) => {
    const code = Number.parseInt(hex, 16);
    return DECODED.has(code) ? String.fromCharCode(code) : escaped.toUpperCase();
  });
  canonical = canonical.replace(TO_ESCAPE, escapeUtf8);
  canonical = removeDotSegments(canonical, { mergeSlashes: true });
  return options.caseInsensitive ? canonical.toLowerCase() : canonical;
}

/**
 * Every reading of `path` an upstream might serve (the path as given and the canonical one
 * among them), each without a query, distinct. For a plain path (nothing escaped, no `\`, `;`,
 * `//` or dot segment) that is the path alone. Case is not varied: a matcher for a
 * case-insensitive upstream ignores it.
 */
export function pathReadings(path: string, options: PathOptions): string[] {
  const given = withoutQuery(path);
  const canonical = canonicalPath(given, options);
  if (!ODD.test(given)) return canonical === given ? [given] : [given, canonical];
  let readings = new Set([given]);
  for (const variants of STAGES) {
    const next = new Set(readings);
    for (const reading of readings) for (const variant of variants) next.add(variant(reading));
    readings = next;
  }
  readings.add(canonical);
  return [...readings];
}

/** What makes a path read differently by different upstreams. */
const ODD = /[%\\;]|\/\/|\/\.\.?(?:\/|$)/;

/** Readings are every combination of these, applied in this order (each one or not). */
const STAGES: readonly (readonly ((path: string) => string)[])[] = [
  [decodeAll, decodeRepeatedly],
  [(path) => path.replace(/\\/g, '/')],
  // A path parameter (`;jsessionid=…`, `..;`) runs to the end of its segment.
  [(path) => path.replace(/;[^/]*/g, '')],
  [
    (path) => path.replace(/\/{2,}/g, '/'),
    (path) => removeDotSegments(path, { mergeSlashes: false }),
    (path) => removeDotSegments(path, { mergeSlashes: true }),
  ],
];

const ESCAPE = /%([0-9A-Fa-f]{2})/g;
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * ASCII characters whose escapes the canonical path decodes: the printable ones a browser
 * leaves unescaped in a path (WHATWG URL, path percent-encode set), but not `%`, which would
 * make a second decoding, nor `\`, which some upstreams take for `/` and others do not.
 */
const DECODED = new Set(
  Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => 0x21 + i).filter(
    (code) => !'"#%<>?\\`{}'.includes(String.fromCharCode(code)),
  ),
);

/** Characters a browser escapes in a path (WHATWG URL, path percent-encode set). */
const TO_ESCAPE = /[\u0000-\u0020"<>`{}\u007f-\u{10ffff}]/gu;
const TO_ESCAPE_ONE = /[\u0000-\u0020"<>`{}\u007f-\u{10ffff}]/u;

function escapeUtf8(char: string): string {
  let escaped = '';
  for (const byte of Buffer.from(char, 'utf8')) {
    escaped += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return escaped;
}

/** Every escape decoded as UTF-8 (what is no UTF-8 becomes U+FFFD), `%2F` into `/`. */
function decodeAll(path: string): string {
  return path.replace(ESCAPE_RUN, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString());
}

/** Decoded until nothing changes (`%252F` → `%2F` → `/`), at most a few times. */
function decodeRepeatedly(path: string): string {
  let decoded = path;
  for (let round = 0; round < 4; round++) {
    const next = decodeAll(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  return decoded;
}

/**
 * RFC 3986 §5.2.4 on a path that starts with `/`: `.` segments go, `..` takes the segment
 * before it (never past the root); a path that ends in `.` or `..` keeps its trailing slash.
 * With `mergeSlashes`, empty segments go too (`//a` → `/a`), before the dots are resolved.
 */
function removeDotSegments(path: string, options: { mergeSlashes: boolean }): string {
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      if (last) out.push('');
    } else if (segment !== '' || last || !options.mergeSlashes) {
      out.push(segment);
    }
  }
  return `/${out.join('/')}`;
}

function withoutQuery(path: string): string {
  const end = path.search(/[?#]/);
  const pathname = end < 0 ? path : path.slice(0, end);
  return pathname.startsWith('/') ? pathname : `/${pathname}`;
}
