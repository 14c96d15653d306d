/**
 * Header passes of the forwarder: what goes upstream (hop-by-hop removed, X-Forwarded-* set,
 * proxy fields of untrusted peers and helpgate's own cookies dropped) and what comes back to
 * the browser (hop-by-hop removed, Location pointed at the public origin, Set-Cookie of
 * helpgate's own cookies dropped). Raw header arrays keep repeated fields apart, so several
 * Set-Cookie headers stay several.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { HELPGATE_COOKIES } from '../session/visitor-cookie.js';
import { cookiePairs, setCookieName } from '../util/cookie-header.js';
import type { VisitorOrigin } from './request-origin.js';

/** RFC 9110 §7.6.1: fields that describe one connection, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
]);

/**
 * Fields a client could otherwise remove by naming them in Connection: message framing must
 * survive, or the upstream would read the body differently from helpgate.
 */
const NEVER_CONNECTION_SCOPED = new Set(['content-length', 'host']);

const NO_TOKENS: ReadonlySet<string> = new Set();

/** The lower-case field names of a raw header list, in order (one pass of lower-casing). */
function lowerNames(raw: readonly string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < raw.length; i += 2) names.push((raw[i] ?? '').toLowerCase());
  return names;
}

/**
 * The lower-case field names the Connection header(s) of a raw header list declare hop-by-hop.
 * `names` are the list's lower-case names, when the caller has them already.
 */
function connectionTokens(
  raw: readonly string[],
  names: readonly string[] = lowerNames(raw),
): ReadonlySet<string> {
  if (!names.includes('connection')) return NO_TOKENS;
  const tokens = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (names[i / 2] !== 'connection') continue;
    for (const token of (raw[i + 1] ?? '').split(',')) {
      const name = token.trim().toLowerCase();
      if (name && !NEVER_CONNECTION_SCOPED.has(name)) tokens.add(name);
    }
  }
  return tokens;
}

/**
 * Fields that only a proxy or CDN in front of the site should set, and that upstream servers
 * and frameworks believe: the visitor's address, scheme, port, host, path prefix or original
 * URL. They pass on only from a peer `trustProxy` trusts; from anyone else a client could claim
 * another address (rate limits, audit logs, IP allow-lists), https (secure cookies, redirect
 * loops) or another URL (access rules). Who reads each, as far as it matters here:
 */
export const PROXY_FIELDS: ReadonlySet<string> = new Set([
  // RFC 7239; Spring's ForwardedHeaderFilter, Rack, ASP.NET Core.
  'forwarded',
  // The client's address.
  'x-real-ip', // nginx's realip module, the Go routers' RealIP middlewares (chi, gin, echo)
  'true-client-ip', // set by Akamai and Cloudflare Enterprise; chi's RealIP reads it first
  'cf-connecting-ip', // set by Cloudflare; read by many sites and CMS plugins, gin on request
  'cf-connecting-ipv6', // Cloudflare's IPv6 twin of the above
  'fastly-client-ip', // set by Fastly; npm request-ip
  'x-client-ip', // npm request-ip reads it before X-Forwarded-For
  'x-cluster-client-ip', // set by Rackspace and Riverbed load balancers; npm request-ip
  'x-forwarded', // npm request-ip
  'forwarded-for', // npm request-ip
  'client-ip', // Rails' RemoteIp (HTTP_CLIENT_IP) and many PHP sites
  'proxy-client-ip', // Java sites' usual getIpAddr helper
  'wl-proxy-client-ip', // the same, after WebLogic's proxy plug-in
  'x-original-forwarded-for', // Kubernetes ingress-nginx keeps the client's chain here
  'x-proxy-user-ip', // Yii 2 (one of its default secureHeaders)
  'x-proxyuser-ip', // the same in Yii's guide, mORMot
  // The scheme, port and path prefix the visitor used.
  'x-forwarded-port', // Rack, Spring, Symfony, Werkzeug's ProxyFix
  'x-forwarded-prefix', // Spring, Symfony, Werkzeug's ProxyFix, ASP.NET Core
  'x-forwarded-scheme', // Rack
  'x-forwarded-ssl', // Rack, Spring, Plack's ReverseProxy (`on` means https)
  'front-end-https', // Plack's ReverseProxy, Yii (`on` means https)
  'x-url-scheme', // WSGI proxy-fix middlewares
  // The host the visitor used, read instead of Host by some frameworks and CMSs.
  'x-forwarded-server', // set by Apache's mod_proxy and Traefik
  'x-host',
  'x-original-host', // set by Azure Application Gateway, read back by ASP.NET sites
  'x-http-host-override',
  // The URL the visitor asked for, read instead of the request target.
  'x-original-url', // IIS URL Rewrite; Symfony and Zend Framework read it (CVE-2018-14773)
  'x-rewrite-url', // the same
  'x-original-uri', // nginx auth_request setups
  'x-forwarded-uri', // Traefik ForwardAuth; Authelia decides access on it
  'x-forwarded-method', // the same
]);

/** What {@link upstreamRequestHeaders} needs to know besides the raw headers. */
export interface UpstreamHeaderOptions {
  origin: VisitorOrigin;
  /** The Host to send upstream. */
  host: string;
  /** Whether the TCP peer may speak for the visitor (its {@link PROXY_FIELDS} are kept). */
  peerTrusted: boolean;
  dropRange?: boolean;
  /** Cookies to remove besides helpgate's own, which are always removed. */
  dropCookies?: readonly string[];
}

/** Fields helpgate sets itself or that undici must not be given. */
const REPLACED_UPSTREAM = new Set([
  'host',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  // Node's server already answered `100 Continue`; undici refuses the field.
  'expect',
]);

/** The flat `[name, value, …]` headers to send upstream for a request's raw headers. */
export function upstreamRequestHeaders(
  raw: readonly string[],
  options: UpstreamHeaderOptions,
): string[] {
  const names = lowerNames(raw);
  const drop = connectionTokens(raw, names);
  const chunked = names.includes('transfer-encoding');
  const cookies: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = names[i / 2] ?? '';
    if (HOP_BY_HOP.has(lower) || drop.has(lower) || REPLACED_UPSTREAM.has(lower)) continue;
    // RFC 9112 §6.3: with Transfer-Encoding, Content-Length is wrong and must not be passed on.
    if (lower === 'content-length' && chunked) continue;
    if (!options.peerTrusted && PROXY_FIELDS.has(lower)) continue;
    // CGI-style servers (PHP, Rack, WSGI) read `X_Real_IP` as HTTP_X_REAL_IP, the name of
    // `X-Real-IP`: no proxy spells these with underscores, so that spelling never passes.
    if (lower.includes('_') && isProxySetName(lower.replaceAll('_', '-'))) continue;
    if (options.dropRange && (lower === 'range' || lower === 'if-range')) continue;
    if (lower === 'cookie') {
      cookies.push(value);
      continue;
    }
    out.push(name, value);
  }
  const cookie = cookies.length === 0 ? '' : filterCookies(cookies, options.dropCookies ?? []);
  if (cookie) out.push('cookie', cookie);
  out.push(
    'host',
    options.host,
    'x-forwarded-for',
    options.origin.forwardedFor,
    'x-forwarded-proto',
    options.origin.proto,
    'x-forwarded-host',
    options.origin.host,
  );
  return out;
}

/** True for a field a proxy in front sets or helpgate replaces (by lower-case name). */
function isProxySetName(lower: string): boolean {
  return PROXY_FIELDS.has(lower) || REPLACED_UPSTREAM.has(lower);
}

/** The Cookie value without helpgate's cookies and the named ones, or '' when nothing is left. */
function filterCookies(values: readonly string[], drop: readonly string[]): string {
  const kept: string[] = [];
  for (const value of values) {
    for (const pair of cookiePairs(value)) {
      if (!HELPGATE_COOKIES.includes(pair.name) && !drop.includes(pair.name)) kept.push(pair.text);
    }
  }
  return kept.join('; ');
}

/**
 * A Set-Cookie line of the upstream's that would set one of helpgate's cookies: it would
 * replace the visitor's `hg_sid` (or plant one chosen by whoever controls the line).
 */
function setsOwnCookie(line: string): boolean {
  return HELPGATE_COOKIES.includes(setCookieName(line));
}

/**
 * The headers to send the browser for an upstream response's raw headers: hop-by-hop fields
 * and Set-Cookie of helpgate's own cookies removed, and a Location that points at the
 * upstream origin moved to the visitor's origin.
 */
export function clientResponseHeaders(
  raw: readonly string[],
  upstreamOrigin: string,
  visitor: VisitorOrigin,
): OutgoingHttpHeaders {
  const names = lowerNames(raw);
  const drop = connectionTokens(raw, names);
  const chunked = names.includes('transfer-encoding');
  const headers: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const lower = names[i / 2] ?? '';
    let value = raw[i + 1] ?? '';
    if (HOP_BY_HOP.has(lower) || drop.has(lower)) continue;
    // Node adds its own framing; a Content-Length beside chunked coding would desync the client.
    if (lower === 'content-length' && chunked) continue;
    if (lower === 'location') value = rewriteLocation(value, upstreamOrigin, visitor.origin);
    if (lower === 'set-cookie' && setsOwnCookie(value)) continue;
    const previous = headers[lower];
    if (previous === undefined) headers[lower] = lower === 'set-cookie' ? [value] : value;
    else if (Array.isArray(previous)) previous.push(value);
    else headers[lower] = [previous, value];
  }
  return headers;
}

const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * A Location aimed at the upstream origin, re-aimed at the public origin; relative references
 * and other origins are returned unchanged.
 */
export function rewriteLocation(location: string, upstreamOrigin: string, publicOrigin: string) {
  const trimmed = location.trim();
  if (!HAS_SCHEME.test(trimmed) && !trimmed.startsWith('//')) return location;
  let url: URL;
  try {
    url = new URL(trimmed, upstreamOrigin);
  } catch {
    return location;
  }
  if (url.origin !== upstreamOrigin) return location;
  return `${publicOrigin}${url.pathname}${url.search}${url.hash}`;
}

/**
 * The status line and headers (latin1) to send the browser for an upstream's 101 answer:
 * connection-scoped fields replaced by this hop's own Connection and Upgrade, and Set-Cookie
 * of helpgate's own cookies removed.
 */
export function upgradeResponseHead(raw: readonly string[], fallbackProtocol: string): string {
  const drop = connectionTokens(raw);
  let protocol = fallbackProtocol;
  let fields = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const lower = name.toLowerCase();
    if (lower === 'upgrade') protocol = raw[i + 1] ?? protocol;
    if (HOP_BY_HOP.has(lower) || drop.has(lower)) continue;
    if (lower === 'set-cookie' && setsOwnCookie(raw[i + 1] ?? '')) continue;
    fields += `${name}: ${raw[i + 1] ?? ''}\r\n`;
  }
  return `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n${fields}\r\n`;
}
