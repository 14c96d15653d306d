import t from 'tap';
import { setCookieName } from '../../src/util/cookie-header.js';

t.test('setCookieName reads a Set-Cookie line as a browser stores it', async (t) => {
  const cases: Array<[string, string]> = [
    ['hg_sid=abc; Path=/', 'hg_sid'],
    ['hg_sid=', 'hg_sid'],
    [' hg_sid =abc', 'hg_sid'],
    ['\thg_sid\t=abc', 'hg_sid'],
    // Case and the __Host-/__Secure- prefixes are part of the name.
    ['HG_SID=abc', 'HG_SID'],
    ['__Host-hg_sid=abc; Secure; Path=/', '__Host-hg_sid'],
    ['__Secure-hg_sid=abc; Secure', '__Secure-hg_sid'],
    ['hg_sid2=abc', 'hg_sid2'],
    ['note=hg_sid=abc', 'note'],
    ['a=1; hg_sid=abc', 'a'],
    // A nameless cookie comes back as its bare value: `hg_sid=abc`, read as hg_sid.
    ['=hg_sid=abc', 'hg_sid'],
    ['= hg_sid=abc; Path=/', 'hg_sid'],
    // Without "=" it is a nameless cookie whose value has no name in it.
    ['hg_sid', ''],
    ['hg_sid; Path=/', ''],
    ['', ''],
  ];
  for (const [line, name] of cases) t.equal(setCookieName(line), name, JSON.stringify(line));
});
