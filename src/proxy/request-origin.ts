/**
 * Who and where the visitor is: the public scheme and host they used and their address, as
 * far as helpgate can trust the peers in front of it (`trustProxy`).
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Config } from '../config/schema.js';
import { parseCidr } from '../util/cidr.js';

/** The visitor's side of a request, as helpgate reports it upstream and uses it in responses. */
export interface VisitorOrigin {
  /** The scheme the visitor used. */
  proto: 'http' | 'https';
  /** The host (and non-default port) the visitor used, e.g. `shop.example`. */
  host: string;
  /** `proto://host`, e.g. `https://shop.example`. */
  origin: string;
  /** The visitor's address: the first untrusted hop, seen from helpgate. */
  clientIp: string;
  /** The X-Forwarded-For value to send upstream: the trusted chain ending with the peer. */
  forwardedFor: string;
}

/** Decides whether the hop `index` steps away from helpgate (0 = the TCP peer) is trusted. */
type TrustHop = (address: string, index: number) => boolean;

const TRUST_ALL: TrustHop = () => true;
const TRUST_NONE: TrustHop = () => false;
const trustCache = new WeakMap<readonly string[], TrustHop>();

/** The trust rule of a `trustProxy` setting (false | true | hop count | CIDR list). */
export function trustFor(setting: Config['trustProxy']): TrustHop {
  if (setting === true) return TRUST_ALL;
  if (setting === false) return TRUST_NONE;
  if (typeof setting === 'number') return (_address, index) => index < setting;
  let trust = trustCache.get(setting);
  if (!trust) {
    const list = blockListOf(setting);
    trust = (address) => {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    };
    trustCache.set(setting, trust);
  }
  return trust;
}

/**
 * The ranges of a `trustProxy` list. The schema refuses entries that do not parse; one that
 * slips through anyway (a config built in code) trusts nobody rather than failing every
 * request.
 */
function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const cidr = parseCidr(entry);
    if ('problem' in cidr) continue;
    if (cidr.prefix === undefined) list.addAddress(cidr.address, cidr.family);
    else list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; any other address unchanged. */
export function unmapIpv4(address: string): string {
  // Called on every request: most addresses are not mapped, and a prefix check is cheaper.
  if (address.length < 14 || address[0] !== ':') return address;
  const match = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return match?.[1] ?? address;
}

/** One X-Forwarded-For entry as a bare address (ports and brackets removed), or undefined. */
function parseHop(entry: string): string | undefined {
  let value = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1] ?? '';
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.indexOf(':'));
  return isIP(value) === 0 ? undefined : unmapIpv4(value);
}

function headerList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value.join(',') : value).split(',');
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = headerList(value)[0]?.trim();
  return first === '' ? undefined : first;
}

const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** A Host-like value that is safe to build an origin from, or undefined. */
function validHost(value: string | undefined): string | undefined {
  return value !== undefined && HOST.test(value) ? value.toLowerCase() : undefined;
}

function validProto(value: string | undefined): 'http' | 'https' | undefined {
  const lower = value?.toLowerCase();
  return lower === 'http' || lower === 'https' ? lower : undefined;
}

/** True when helpgate trusts the TCP peer of `req` to report X-Forwarded-* and Forwarded. */
export function peerIsTrusted(req: IncomingMessage, config: Config): boolean {
  const peer = unmapIpv4(req.socket.remoteAddress ?? '');
  return trustFor(config.trustProxy)(peer, 0);
}

/**
 * The visitor's origin and address for `req`. `publicUrl`, when set, gives scheme and host;
 * otherwise they come from the connection (TLS → https) and the Host header. X-Forwarded-For,
 * -Proto and -Host are honoured only from trusted peers (`trustProxy`); from anyone else they
 * are ignored, so a client cannot claim another address or origin.
 */
export function requestOrigin(req: IncomingMessage, config: Config): VisitorOrigin {
  const trust = trustFor(config.trustProxy);
  const peer = unmapIpv4(req.socket.remoteAddress ?? '') || '0.0.0.0';

  // Nearest hop first: the peer, then X-Forwarded-For from right to left. Walk while the hop
  // is trusted; the first untrusted one is the client. An unparsable entry ends the walk so
  // that garbage never reaches the upstream as an address.
  const hops = [peer];
  let index = 0;
  let claimed: string[] | undefined;
  while (trust(hops[index] ?? '', index)) {
    claimed ??= headerList(req.headers['x-forwarded-for']).reverse();
    const next = claimed[index];
    const address = next === undefined ? undefined : parseHop(next);
    if (address === undefined) break;
    hops.push(address);
    index++;
  }
  const clientIp = hops[hops.length - 1] ?? peer;
  const forwardedFor = hops.reverse().join(', ');

  const peerTrusted = trust(peer, 0);
  let proto: 'http' | 'https';
  let host: string;
  if (config.publicUrl) {
    const url = new URL(config.publicUrl);
    proto = url.protocol === 'https:' ? 'https' : 'http';
    host = url.host;
  } else {
    const encrypted = (req.socket as Partial<TLSSocket>).encrypted === true;
    // Proxies that append rather than replace leave the client-facing value first.
    const forwardedProto = peerTrusted
      ? validProto(firstValue(req.headers['x-forwarded-proto']))
      : undefined;
    const forwardedHost = peerTrusted
      ? validHost(firstValue(req.headers['x-forwarded-host']))
      : undefined;
    proto = forwardedProto ?? (encrypted ? 'https' : 'http');
    host =
      forwardedHost ??
      validHost(req.headers.host) ??
      hostOf(req.socket.localAddress ?? '127.0.0.1', req.socket.localPort ?? 80);
  }
  const normal = normalOrigin(proto, host);
  if (normal !== undefined) return { proto, ...normal, clientIp, forwardedFor };
  host = hostOf(req.socket.localAddress ?? '127.0.0.1', req.socket.localPort ?? 80);
  return { proto, host, origin: `${proto}://${host}`, clientIp, forwardedFor };
}

/**
 * `new URL` costs more than the rest of {@link requestOrigin}, and a site is reached under a
 * handful of hosts: their normal forms are remembered. The map is emptied when full, so hosts
 * a client makes up cannot grow it.
 */
const normalOrigins = new Map<string, { host: string; origin: string } | undefined>();
const NORMAL_ORIGINS_MAX = 256;

/** The URL-normalised host and origin of `proto://host`, or undefined when it is no URL. */
function normalOrigin(proto: string, host: string): { host: string; origin: string } | undefined {
  const key = `${proto}://${host}`;
  const known = normalOrigins.get(key);
  if (known !== undefined || normalOrigins.has(key)) return known;
  let normal: { host: string; origin: string } | undefined;
  try {
    const url = new URL(key);
    normal = { host: url.host, origin: url.origin };
  } catch {
    normal = undefined;
  }
  if (normalOrigins.size >= NORMAL_ORIGINS_MAX) normalOrigins.clear();
  normalOrigins.set(key, normal);
  return normal;
}

function hostOf(address: string, port: number): string {
  const bare = unmapIpv4(address);
  return isIP(bare) === 6 ? `[${bare}]:${port}` : `${bare}:${port}`;
}
