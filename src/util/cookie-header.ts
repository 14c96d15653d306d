/**
 * Reading a request's Cookie header (RFC 6265 §5.4: `name=value` pairs joined by "; "). The
 * one parser of it: the visitor cookie, the consent cookie and the cookies kept from the
 * upstream all read it here.
 */

/** One `name=value` pair of a Cookie header, as sent (`text`) and split. */
export interface CookiePair {
  readonly name: string;
  readonly value: string;
  /** The pair as it stood in the header, trimmed. */
  readonly text: string;
}

/** Every pair of a Cookie header, in order; a pair without "=" has the empty name. */
export function cookiePairs(header: string | undefined): CookiePair[] {
  if (!header) return [];
  const pairs: CookiePair[] = [];
  for (const part of header.split(';')) {
    const text = part.trim();
    if (text === '') continue;
    const eq = text.indexOf('=');
    if (eq === -1) pairs.push({ name: '', value: text, text });
    else pairs.push({ name: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim(), text });
  }
  return pairs;
}

/** The values of every cookie called `name`, in order (a browser may send several). */
export function cookieValues(header: string | undefined, name: string): string[] {
  return cookiePairs(header)
    .filter((pair) => pair.name === name)
    .map((pair) => pair.value);
}

/** RFC 6265bis §5.6 trims only spaces and tabs around a Set-Cookie name and value. */
const WSP_AROUND = /^[ \t]+|[ \t]+$/g;

/**
 * The name under which a cookie set by the `Set-Cookie` line `line` comes back in a Cookie
 * header, as {@link cookiePairs} reads it. The browser's name is the text before the first "="
 * of the part before the first ";", without surrounding spaces and tabs (RFC 6265bis §5.6);
 * case and prefixes count (`HG_SID` and `__Host-hg_sid` are other cookies). A cookie without a
 * name (`=a=b`) is sent back as its bare value, `a=b`, so it comes back named `a`.
 */
export function setCookieName(line: string): string {
  const semicolon = line.indexOf(';');
  const pair = semicolon === -1 ? line : line.slice(0, semicolon);
  const eq = pair.indexOf('=');
  const name = eq === -1 ? '' : pair.slice(0, eq).replace(WSP_AROUND, '');
  const value = (eq === -1 ? pair : pair.slice(eq + 1)).replace(WSP_AROUND, '');
  return cookiePairs(name === '' ? value : `${name}=${value}`)[0]?.name ?? '';
}
