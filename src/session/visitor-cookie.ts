/**
 * The visitor cookie `hg_sid`: a random session id plus its HMAC, so a visitor cannot pick,
 * guess or forge another visitor's id. Only a validly signed cookie ever reaches a session.
 */
import {
  createHmac,
  createSecretKey,
  type KeyObject,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';
import { CONSOLE_COOKIE } from '../console/console-cookie.js';
import { cookieValues } from '../util/cookie-header.js';

/** The name of the visitor cookie (DESIGN.md, "Visitor and session"). */
export const SESSION_COOKIE = 'hg_sid';

/**
 * Every cookie helpgate owns. They never cross the proxy: they are removed from requests sent
 * upstream, WebSocket upgrades included, and an upstream `Set-Cookie` of one of these names
 * never reaches the browser, so the site can neither read nor overwrite them.
 */
export const HELPGATE_COOKIES: readonly string[] = [SESSION_COOKIE, CONSOLE_COOKIE];

/** Mints, signs and verifies visitor cookies. */
export interface VisitorCookies {
  /** A new random session id: 128 bits, base64url (22 characters). */
  mint(): string;
  /**
   * The session id of the first validly signed `hg_sid` cookie in a `Cookie` header, or
   * `null` when there is none (absent, tampered, signed with an unknown secret, malformed).
   */
  read(cookieHeader: string | undefined): string | null;
  /**
   * The `Set-Cookie` value that hands `sid` to the browser, signed with the first secret:
   * `hg_sid=<sid>.<hmac>; Path=/; HttpOnly; SameSite=Lax[; Secure]`.
   */
  setCookie(sid: string, options: { secure: boolean; path?: string }): string;
  /** The signed cookie value `<sid>.<hmac>` (what `setCookie` puts after `hg_sid=`). */
  sign(sid: string): string;
}

const SID = /^[A-Za-z0-9_-]{22}$/;
const MAC = /^[A-Za-z0-9_-]{43}$/;
/** Cookie paths are written verbatim into the header; keep them to plain path characters. */
const COOKIE_PATH = /^\/[A-Za-z0-9._~!$&'()*+,=:@%/-]*$/;

/**
 * Visitor cookies signed with HMAC-SHA256. The first secret signs; every secret verifies, so
 * an operator rotates by putting the new secret first and dropping the old one later.
 */
export function createVisitorCookies(secrets: readonly string[]): VisitorCookies {
  if (secrets.length === 0) throw new TypeError('at least one secret is required');
  // Key objects made once: a string key would be turned into one on every HMAC.
  const keys = secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
  const mac = (key: KeyObject, sid: string) => createHmac('sha256', key).update(sid).digest();

  const verify = (value: string): string | null => {
    const dot = value.indexOf('.');
    if (dot < 0) return null;
    const sid = value.slice(0, dot);
    const signature = value.slice(dot + 1);
    if (!SID.test(sid) || !MAC.test(signature)) return null;
    const given = Buffer.from(signature, 'base64url');
    // Only the canonical encoding: the last character's spare bits must not yield variants.
    if (given.length !== 32 || given.toString('base64url') !== signature) return null;
    let valid = false;
    // Check every secret, not only until the first match, so timing tells nothing about
    // which secret (if any) signed the cookie.
    for (const key of keys) {
      if (timingSafeEqual(mac(key, sid), given)) valid = true;
    }
    return valid ? sid : null;
  };

  const sign = (sid: string) => {
    if (!SID.test(sid)) throw new TypeError('not a session id minted by mint()');
    return `${sid}.${mac(keys[0]!, sid).toString('base64url')}`;
  };

  return {
    mint: mintSessionId,

    read(cookieHeader) {
      for (let value of cookieValues(cookieHeader, SESSION_COOKIE)) {
        // RFC 6265 §4.1.1 allows a DQUOTEd cookie value.
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
          value = value.slice(1, -1);
        }
        const sid = verify(value);
        if (sid !== null) return sid;
      }
      return null;
    },

    setCookie(sid, options) {
      const path = options.path ?? '/';
      if (!COOKIE_PATH.test(path)) throw new TypeError(`not a usable cookie path: ${path}`);
      // A browser-session cookie (no Max-Age): the server forgets an idle session after
      // `session.ttl` anyway, and a cookie that dies with the browser is no lasting identifier.
      const attributes = [
        `${SESSION_COOKIE}=${sign(sid)}`,
        `Path=${path}`,
        'HttpOnly',
        'SameSite=Lax',
      ];
      if (options.secure) attributes.push('Secure');
      return attributes.join('; ');
    },

    sign,
  };
}

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;

/**
 * A new random session id: 16 bytes from the system's CSPRNG as base64url. The bytes are
 * drawn 4 KiB at a time (as `crypto.randomUUID` does): a call into the generator per visitor
 * costs more than the bytes.
 */
export function mintSessionId(): string {
  if (poolAt + 16 > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const id = pool.toString('base64url', poolAt, poolAt + 16);
  poolAt += 16;
  return id;
}
