/**
 * `s` with A–Z lowercased and every other character as it is: HTML's and CSS's "ASCII
 * lowercase". `String#toLowerCase` also lowers letters beyond ASCII, which tag and attribute
 * names keep; on names read byte by byte (latin1), it would even change single bytes of a
 * UTF-8 character.
 */
export function asciiLowercase(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : s;
}
