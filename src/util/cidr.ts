/**
 * One entry of a `trustProxy` list: an IPv4 or IPv6 address, alone or with a prefix length
 * (`10.0.0.0/8`, `2001:db8::/32`). The schema refuses what does not parse here, and the trust
 * rule is built from what does, so the two can never disagree.
 */
import { isIP } from 'node:net';

/** A parsed entry; an IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) comes back as IPv4. */
export interface Cidr {
  address: string;
  /** The prefix length, or `undefined` for a single address. */
  prefix: number | undefined;
  family: 'ipv4' | 'ipv6';
}

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Parses `entry`, or says why it is no address or range. */
export function parseCidr(entry: string): Cidr | { problem: string } {
  const slash = entry.indexOf('/');
  let address = slash === -1 ? entry : entry.slice(0, slash);
  const rawPrefix = slash === -1 ? undefined : entry.slice(slash + 1);
  // Zone ids (fe80::1%eth0) and bracketed forms name no range a peer address can fall in.
  let family = /^[0-9a-f.:]+$/i.test(address) ? isIP(address) : 0;
  if (family === 0) return { problem: `not an IP address: ${JSON.stringify(address)}` };
  const max = family === 4 ? 32 : 128;
  let prefix: number | undefined;
  if (rawPrefix !== undefined) {
    prefix = /^\d{1,3}$/.test(rawPrefix) ? Number(rawPrefix) : Number.NaN;
    if (!(prefix <= max)) {
      return {
        problem: `the prefix length after "/" must be 0 to ${max} for an IPv${family} address, got ${JSON.stringify(rawPrefix)}`,
      };
    }
  }
  // Peer addresses are compared after unmapping (::ffff:1.2.3.4 is 1.2.3.4), so a mapped
  // range is unmapped too; one reaching beyond the mapped block would also cover IPv6 peers.
  const mapped = MAPPED.exec(address)?.[1];
  if (mapped !== undefined) {
    if (prefix !== undefined && prefix < 96) {
      return {
        problem: 'an IPv4-mapped range (::ffff:a.b.c.d) needs a prefix length of 96 to 128',
      };
    }
    address = mapped;
    family = 4;
    prefix = prefix === undefined ? undefined : prefix - 96;
  }
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}
