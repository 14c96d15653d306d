/**
 * Reads a page's Content-Security-Policy to learn whether the injected beacon can run: a
 * same-origin external `<script src>` (script-src-elem, else script-src, else default-src) and
 * a same-origin `fetch` for the heartbeat (connect-src, else default-src). helpgate never
 * changes a policy; a page whose policy would block the beacon is served unmodified.
 */

export type CspVerdict =
  | { allowed: true; nonce: string | null }
  | { allowed: false; reason: string };

/** Where the page is served from, to match host-sources such as `https://shop.example`. */
export interface PageOrigin {
  /** `http` or `https`. */
  scheme: string;
  /** Host and optional port as in the Host header, lowercased. */
  host: string;
}

/**
 * Whether every enforced policy lets the beacon load and send heartbeats. `policies` are the
 * header values (each may hold several comma-separated policies). With `'strict-dynamic'`
 * only a nonce makes the tag run, so the verdict carries the page's nonce; when the policies
 * use a nonce anyway, it is returned too.
 */
export function beaconAllowedByCsp(
  policies: readonly string[],
  origin: PageOrigin | null,
): CspVerdict {
  let nonce: string | null = null;
  const parsed = policies.flatMap((value) => value.split(',')).map(parsePolicy);
  for (const policy of parsed) {
    const sources =
      policy.get('script-src-elem') ?? policy.get('script-src') ?? policy.get('default-src');
    if (sources === undefined) continue;
    const found = sources.find((s) => s.toLowerCase().startsWith("'nonce-") && s.endsWith("'"));
    if (found !== undefined && nonce === null) nonce = found.slice(7, -1);
  }
  for (const policy of parsed) {
    const scripts =
      policy.get('script-src-elem') ?? policy.get('script-src') ?? policy.get('default-src');
    if (scripts !== undefined && !scriptAllowed(scripts, nonce, origin)) {
      return { allowed: false, reason: 'its Content-Security-Policy blocks a same-origin script' };
    }
    const connect = policy.get('connect-src') ?? policy.get('default-src');
    if (connect !== undefined && !sameOriginAllowed(connect, origin)) {
      return { allowed: false, reason: 'its Content-Security-Policy blocks same-origin fetch' };
    }
  }
  return { allowed: true, nonce };
}

/** Directive name → source list; the first occurrence of a directive wins (CSP3 §2.2.1). */
function parsePolicy(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of text.split(';')) {
    const tokens = part
      .trim()
      .split(/[\t\n\f\r ]+/)
      .filter(Boolean);
    const name = tokens.shift()?.toLowerCase();
    if (name === undefined || directives.has(name)) continue;
    directives.set(name, tokens);
  }
  return directives;
}

function scriptAllowed(
  sources: string[],
  nonce: string | null,
  origin: PageOrigin | null,
): boolean {
  const lower = sources.map((s) => s.toLowerCase());
  const hasNonce =
    nonce !== null &&
    sources.some((s) => s.toLowerCase().startsWith("'nonce-") && s.slice(7, -1) === nonce);
  if (lower.includes("'strict-dynamic'")) return hasNonce;
  return hasNonce || sameOriginAllowed(sources, origin);
}

function sameOriginAllowed(sources: string[], origin: PageOrigin | null): boolean {
  for (const raw of sources) {
    const s = raw.toLowerCase();
    if (s === "'self'" || s === '*') return true;
    if (origin === null) continue;
    if (s === `${origin.scheme}:` || (origin.scheme === 'http' && s === 'https:')) return true;
    if (hostSourceMatches(s, origin)) return true;
  }
  return false;
}

function hostSourceMatches(source: string, origin: PageOrigin): boolean {
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/:]+)(?::(\d+|\*))?(?:\/.*)?$/.exec(source);
  if (!m || source.startsWith("'")) return false;
  const [, scheme, host, port] = m;
  if (
    scheme !== undefined &&
    scheme !== origin.scheme &&
    !(scheme === 'http' && origin.scheme === 'https')
  ) {
    return false;
  }
  const [originHost, originPort] = splitHostPort(origin.host, origin.scheme);
  if (host!.startsWith('*.')) {
    if (!originHost.endsWith(host!.slice(1))) return false;
  } else if (host !== originHost) return false;
  if (port === '*') return true;
  const wantPort = port ?? defaultPort(scheme ?? origin.scheme);
  return wantPort === originPort;
}

function splitHostPort(hostHeader: string, scheme: string): [string, string] {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostHeader);
  return [m?.[1] ?? hostHeader, m?.[2] ?? defaultPort(scheme)];
}

function defaultPort(scheme: string): string {
  return scheme === 'https' ? '443' : '80';
}
