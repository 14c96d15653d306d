/**
 * The mode a DOCTYPE puts a document in (HTML §13.2.6.4.1, "the initial insertion mode"). Two
 * things the rewriter decides depend on it: whether a `<table>` closes an open `<p>` (not in
 * quirks mode), and how class and id selectors compare (ASCII-caselessly in quirks mode, as
 * browsers match `.help` against `class="Help"` on such a page).
 */
import { asciiLowercase } from '../util/ascii.js';

export type DocumentMode = 'no-quirks' | 'limited-quirks' | 'quirks';

/** A DOCTYPE token's fields as the tokenizer reads them; null: missing. */
interface DoctypeToken {
  name: string | null;
  publicId: string | null;
  systemId: string | null;
  forceQuirks: boolean;
}

const QUIRKS_PUBLIC_ID_PREFIXES = [
  '+//silmaril//dtd html pro v0r11 19970101//',
  '-//as//dtd html 3.0 aswedit + extensions//',
  '-//advasoft ltd//dtd html 3.0 aswedit + extensions//',
  '-//ietf//dtd html 2.0 level 1//',
  '-//ietf//dtd html 2.0 level 2//',
  '-//ietf//dtd html 2.0 strict level 1//',
  '-//ietf//dtd html 2.0 strict level 2//',
  '-//ietf//dtd html 2.0 strict//',
  '-//ietf//dtd html 2.0//',
  '-//ietf//dtd html 2.1e//',
  '-//ietf//dtd html 3.0//',
  '-//ietf//dtd html 3.2 final//',
  '-//ietf//dtd html 3.2//',
  '-//ietf//dtd html 3//',
  '-//ietf//dtd html level 0//',
  '-//ietf//dtd html level 1//',
  '-//ietf//dtd html level 2//',
  '-//ietf//dtd html level 3//',
  '-//ietf//dtd html strict level 0//',
  '-//ietf//dtd html strict level 1//',
  '-//ietf//dtd html strict level 2//',
  '-//ietf//dtd html strict level 3//',
  '-//ietf//dtd html strict//',
  '-//ietf//dtd html//',
  '-//metrius//dtd metrius presentational//',
  '-//microsoft//dtd internet explorer 2.0 html strict//',
  '-//microsoft//dtd internet explorer 2.0 html//',
  '-//microsoft//dtd internet explorer 2.0 tables//',
  '-//microsoft//dtd internet explorer 3.0 html strict//',
  '-//microsoft//dtd internet explorer 3.0 html//',
  '-//microsoft//dtd internet explorer 3.0 tables//',
  '-//netscape comm. corp.//dtd html//',
  '-//netscape comm. corp.//dtd strict html//',
  "-//o'reilly and associates//dtd html 2.0//",
  "-//o'reilly and associates//dtd html extended 1.0//",
  "-//o'reilly and associates//dtd html extended relaxed 1.0//",
  '-//sq//dtd html 2.0 hotmetal + extensions//',
  '-//softquad software//dtd hotmetal pro 6.0::19990601::extensions to html 4.0//',
  '-//softquad//dtd hotmetal pro 4.0::19971010::extensions to html 4.0//',
  '-//spyglass//dtd html 2.0 extended//',
  '-//sun microsystems corp.//dtd hotjava html//',
  '-//sun microsystems corp.//dtd hotjava strict html//',
  '-//w3c//dtd html 3 1995-03-24//',
  '-//w3c//dtd html 3.2 draft//',
  '-//w3c//dtd html 3.2 final//',
  '-//w3c//dtd html 3.2//',
  '-//w3c//dtd html 3.2s draft//',
  '-//w3c//dtd html 4.0 frameset//',
  '-//w3c//dtd html 4.0 transitional//',
  '-//w3c//dtd html experimental 19960712//',
  '-//w3c//dtd html experimental 970421//',
  '-//w3c//dtd w3 html//',
  '-//w3o//dtd w3 html 3.0//',
  '-//webtechs//dtd mozilla html 2.0//',
  '-//webtechs//dtd mozilla html//',
];
const QUIRKS_PUBLIC_IDS = [
  '-//w3o//dtd w3 html strict 3.0//en//',
  '-/w3c/dtd html 4.0 transitional/en',
  'html',
];
const QUIRKS_SYSTEM_ID = 'http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd';
/** HTML 4.01 Frameset and Transitional: quirks without a system id, limited quirks with one. */
const HTML401_LOOSE = ['-//w3c//dtd html 4.01 frameset//', '-//w3c//dtd html 4.01 transitional//'];
const LIMITED_QUIRKS_PREFIXES = [
  '-//w3c//dtd xhtml 1.0 frameset//',
  '-//w3c//dtd xhtml 1.0 transitional//',
];

const startsWithAny = (id: string, prefixes: readonly string[]) =>
  prefixes.some((prefix) => id.startsWith(prefix));

/** The mode of a document whose first DOCTYPE is `token` (HTML §13.2.6.4.1). */
function modeOfDoctype(token: DoctypeToken): DocumentMode {
  if (token.forceQuirks || token.name !== 'html') return 'quirks';
  const publicId = token.publicId === null ? null : asciiLowercase(token.publicId);
  const systemId = token.systemId === null ? null : asciiLowercase(token.systemId);
  if (systemId === QUIRKS_SYSTEM_ID) return 'quirks';
  if (publicId === null) return 'no-quirks';
  if (QUIRKS_PUBLIC_IDS.includes(publicId) || startsWithAny(publicId, QUIRKS_PUBLIC_ID_PREFIXES)) {
    return 'quirks';
  }
  if (startsWithAny(publicId, HTML401_LOOSE)) {
    return systemId === null ? 'quirks' : 'limited-quirks';
  }
  return startsWithAny(publicId, LIMITED_QUIRKS_PREFIXES) ? 'limited-quirks' : 'no-quirks';
}

const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';

/**
 * Reads a DOCTYPE as the tokenizer's DOCTYPE states do (HTML §13.2.5.53–68). `text` is the
 * token's source from `<!` through the `>` that ends it (or the end of the page); a `>` ends
 * it wherever it stands, also inside a quoted identifier. NUL would become U+FFFD in names and
 * identifiers; no prefix or name compared here contains either, so it is kept as it is.
 */
function readDoctype(text: string): DoctypeToken {
  const token: DoctypeToken = { name: null, publicId: null, systemId: null, forceQuirks: false };
  const end = text.endsWith('>') ? text.length - 1 : text.length;
  // Whether the `>` came (else the page ended inside the DOCTYPE).
  const closed = end < text.length;
  let i = 9; // after `<!DOCTYPE`
  const skipSpace = () => {
    while (i < end && isSpace(text[i])) i++;
  };
  skipSpace();
  if (i >= end) {
    // No name: `>` or the page's end sets force-quirks.
    token.forceQuirks = true;
    return token;
  }
  let j = i;
  while (j < end && !isSpace(text[j])) j++;
  token.name = asciiLowercase(text.slice(i, j));
  i = j;
  skipSpace();
  if (i >= end) {
    token.forceQuirks = !closed;
    return token;
  }
  const keyword = asciiLowercase(text.slice(i, i + 6));
  if (keyword !== 'public' && keyword !== 'system') {
    token.forceQuirks = true; // bogus DOCTYPE
    return token;
  }
  i += 6;
  const readId = (): string | null => {
    skipSpace();
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return null;
    const close = text.indexOf(quote, i + 1);
    if (close < 0 || close >= end) {
      // Ended by `>` (or the page's end) inside the identifier.
      token.forceQuirks = true;
      const id = text.slice(i + 1, end);
      i = end;
      return id;
    }
    const id = text.slice(i + 1, close);
    i = close + 1;
    return id;
  };
  if (keyword === 'public') {
    token.publicId = readId();
    if (token.publicId === null) {
      token.forceQuirks = true;
      return token;
    }
    if (token.forceQuirks) return token;
    // A system identifier may follow, with or without whitespace between.
    skipSpace();
    if (i < end && text[i] !== '"' && text[i] !== "'") {
      token.forceQuirks = true; // bogus DOCTYPE
      return token;
    }
  }
  if (i < end || keyword === 'system') {
    token.systemId = readId();
    if (token.systemId === null) {
      if (keyword === 'system') token.forceQuirks = true;
      return token;
    }
    if (token.forceQuirks) return token;
    skipSpace();
    // Anything after the system identifier makes a bogus DOCTYPE, which keeps the mode the
    // identifiers set, even when the page ends inside it.
    if (i < end) return token;
  }
  if (!closed) token.forceQuirks = true;
  return token;
}

/** The mode a document's first DOCTYPE, given as its source text, puts it in. */
export function documentModeOf(doctypeText: string): DocumentMode {
  return modeOfDoctype(readDoctype(doctypeText));
}
