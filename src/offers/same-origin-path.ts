/**
 * Paths helpgate hands back to the browser as links or redirects ("Back to the page" on the
 * HELP page, the 303 after its "No, thanks" form) come from what the visitor's requests said:
 * a page at `https://shop//evil.example/x` makes the beacon report the path
 * `//evil.example/x`, which a browser reads as another site. This keeps them on this origin.
 */

/**
 * A leading run of what browsers take for the start of an authority: slashes, backslashes
 * (the URL standard reads `\` as `/` in http(s) URLs), the tabs and newlines its parser drops,
 * and their percent-encoded forms (an upstream may decode `%2F` before it redirects).
 */
const LEADING_SLASHES = /^(?:[/\\\t\n\r]|%2f|%5c)+/i;

const BASE = 'http://same-origin.invalid';
const BASE_ORIGIN = new URL(BASE).origin;

/**
 * `path` as a path on this origin, safe for an `href` or a `Location`: leading slashes (and
 * backslashes) collapsed into one, dot segments resolved, anything else percent-encoded as a
 * browser would. Anything that is not a path at all becomes `/`.
 */
export function sameOriginPath(path: string): string {
  const collapsed = path.replace(LEADING_SLASHES, '/');
  if (!collapsed.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(collapsed, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE_ORIGIN) return '/';
  // Dot segments can bring a run of slashes back to the front: `/x/..//evil.example`.
  return url.pathname.replace(LEADING_SLASHES, '/') + url.search;
}
