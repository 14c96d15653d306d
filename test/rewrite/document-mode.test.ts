import { parse } from 'parse5';
import t from 'tap';
import { documentModeOf } from '../../src/rewrite/document-mode.js';
import { launchBrowser } from '../fixtures/browser.js';

// The mode a DOCTYPE sets decides whether `.help` matches `class="Help"` and whether a
// <table> closes an open <p>. helpgate reads it as browsers do: checked against parse5 (all
// three modes) and Chromium (quirks or not) on identifiers from each of the standard's lists,
// in the shapes pages spell them, and on DOCTYPEs that end early or go on after the identifiers.

const PUBLIC_IDS = [
  // Quirks by prefix (a sample of the standard's list, each spelled as pages do).
  '-//W3C//DTD HTML 4.0 Transitional//EN',
  '-//W3C//DTD HTML 4.0 Frameset//EN',
  '-//W3C//DTD HTML 3.2 Final//EN',
  '-//W3C//DTD HTML 3.2//EN',
  '-//IETF//DTD HTML 2.0//EN',
  '-//IETF//DTD HTML//EN',
  '-//Microsoft//DTD Internet Explorer 3.0 HTML//EN',
  '-//Netscape Comm. Corp.//DTD HTML//EN',
  "-//O'Reilly and Associates//DTD HTML Extended Relaxed 1.0//EN",
  '-//SoftQuad Software//DTD HoTMetaL PRO 6.0::19990601::extensions to HTML 4.0//EN',
  '+//Silmaril//dtd html Pro v0r11 19970101//EN',
  '-//WebTechs//DTD Mozilla HTML//EN',
  // Quirks as a whole identifier only.
  'HTML',
  '-//W3O//DTD W3 HTML Strict 3.0//EN//',
  '-/W3C/DTD HTML 4.0 Transitional/EN',
  '-/W3C/DTD HTML 4.0 Transitional/EN/',
  // Quirks without a system identifier, limited quirks with one.
  '-//W3C//DTD HTML 4.01 Transitional//EN',
  '-//W3C//DTD HTML 4.01 Frameset//EN',
  // Limited quirks.
  '-//W3C//DTD XHTML 1.0 Transitional//EN',
  '-//W3C//DTD XHTML 1.0 Frameset//EN',
  // No quirks.
  '-//W3C//DTD HTML 4.01//EN',
  '-//W3C//DTD XHTML 1.0 Strict//EN',
  '-//W3C//DTD XHTML 1.1//EN',
  '-//W3C//DTD HTML 4.0//EN',
  '-//ACME//DTD Custom 1.0//EN',
  '',
];

const SYSTEM_IDS = [
  'http://www.w3.org/TR/html4/loose.dtd',
  'http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd',
  'HTTP://WWW.IBM.COM/data/dtd/v11/ibmxhtml1-transitional.dtd',
  'about:legacy-compat',
];

/** Uppercase and lowercase flipped in ASCII letters: identifiers compare caselessly. */
const flipCase = (s: string) =>
  s.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));

function doctypes(): string[] {
  const out = new Set<string>([
    '<!DOCTYPE html>',
    '<!doctype HTML >',
    '<!DOCTYPE>',
    '<!DOCTYPE >',
    '<!DOCTYPEhtml>',
    '<!DOCTYPE htm>',
    '<!DOCTYPE html5>',
    '<!DOCTYPE html PUBLIC>',
    '<!DOCTYPE html PUBLIC x>',
    '<!DOCTYPE html SYSTEM>',
    '<!DOCTYPE html "x">',
    '<!DOCTYPE html junk>',
    '<!DOCTYPE html PUB>',
    "<!DOCTYPE html SYSTEM 'about:legacy-compat'>",
    '<!DOCTYPE html SYSTEM "about:legacy-compat" junk>',
    '<!DOCTYPE html SYSTEM "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd">',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" junk>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" junk>',
  ]);
  for (const pub of PUBLIC_IDS) {
    for (const id of [pub, flipCase(pub)]) {
      out.add(`<!DOCTYPE html PUBLIC "${id}">`);
      out.add(`<!doctype HTML public '${id}'>`);
      out.add(`<!DOCTYPE html\tPUBLIC\n"${id}"\f>`);
      out.add(`<!DOCTYPE html PUBLIC"${id}">`);
      out.add(`<!DOCTYPE HTML PUBLIC "${id}"`);
    }
    for (const sys of SYSTEM_IDS) {
      out.add(`<!DOCTYPE html PUBLIC "${pub}" "${sys}">`);
      out.add(`<!DOCTYPE html PUBLIC '${pub}''${sys}'>`);
      out.add(`<!DOCTYPE html PUBLIC "${pub}"\n  '${sys}' >`);
    }
  }
  return [...out];
}

const PAGE_AFTER = '<p>x';

t.test('the DOCTYPE sets the mode parse5 and Chromium read from it', async (t) => {
  const all = doctypes();
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  // Chromium's HTML parser without a frame: DOMParser runs no script and loads nothing.
  const docs = JSON.stringify(all.map((doctype) => doctype + PAGE_AFTER));
  const chromiumQuirks = (await page.evaluate(
    `${docs}.map((d) => new DOMParser().parseFromString(d, 'text/html').compatMode === 'BackCompat')`,
  )) as boolean[];
  const counts = { quirks: 0, 'limited-quirks': 0, 'no-quirks': 0 };
  all.forEach((doctype, i) => {
    // One the page ends inside is the whole page.
    const mode = documentModeOf(doctype);
    const expected = parse(doctype.endsWith('>') ? doctype + PAGE_AFTER : doctype).mode;
    counts[mode]++;
    if (mode !== expected) t.fail(`${JSON.stringify(doctype)}: ${mode}, parse5 says ${expected}`);
    if (doctype.endsWith('>') && (mode === 'quirks') !== chromiumQuirks[i]) {
      t.fail(`${JSON.stringify(doctype)}: ${mode}, Chromium says the opposite`);
    }
  });
  t.ok(
    counts.quirks > 50 && counts['limited-quirks'] > 10 && counts['no-quirks'] > 50,
    'all modes seen',
  );
  t.pass(`${all.length} DOCTYPEs: ${JSON.stringify(counts)}`);
});
