import t from 'tap';
import { createVisitorCookies, SESSION_COOKIE } from '../../src/session/visitor-cookie.js';

const OLD = 'old-secret-0123456789abcdef';
const NEW = 'new-secret-0123456789abcdef';

function cookieValue(setCookie: string): string {
  return setCookie.split(';')[0]!.slice(`${SESSION_COOKIE}=`.length);
}

t.test('a minted id is 128 random bits in base64url and never repeats', async (t) => {
  const cookies = createVisitorCookies([NEW]);
  const ids = new Set(Array.from({ length: 1000 }, () => cookies.mint()));
  t.equal(ids.size, 1000);
  for (const id of ids) t.match(id, /^[A-Za-z0-9_-]{22}$/);
});

t.test(
  'the Set-Cookie value is a signed, HttpOnly, SameSite=Lax browser-session cookie',
  async (t) => {
    const cookies = createVisitorCookies([NEW]);
    const sid = cookies.mint();
    const plain = cookies.setCookie(sid, { secure: false });
    t.match(
      plain,
      new RegExp(`^hg_sid=${sid}\\.[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Lax$`),
    );
    t.notMatch(plain, /Max-Age|Expires/i, 'dies with the browser');
    t.match(cookies.setCookie(sid, { secure: true }), /; Secure$/, 'Secure over https');
    t.match(cookies.setCookie(sid, { secure: false, path: '/shop/' }), /; Path=\/shop\/;/);
  },
);

t.test('a cookie the server set reads back as its session id', async (t) => {
  const cookies = createVisitorCookies([NEW]);
  const sid = cookies.mint();
  const value = cookieValue(cookies.setCookie(sid, { secure: false }));
  t.equal(cookies.read(`${SESSION_COOKIE}=${value}`), sid);
  t.equal(cookies.read(`theme=dark; ${SESSION_COOKIE}=${value}; lang=en`), sid, 'among others');
  t.equal(cookies.read(`${SESSION_COOKIE}="${value}"`), sid, 'quoted (RFC 6265)');
});

t.test('session hijack by forging a cookie is refused', async (t) => {
  // Attack: a visitor writes a cookie for a session id of their choosing (or another
  // visitor's) and hopes the server takes it.
  const cookies = createVisitorCookies([NEW]);
  const sid = cookies.mint();
  const value = cookies.sign(sid);
  const foreign = createVisitorCookies(['someone-else-secret-0123456']).sign(sid);
  const otherSid = cookies.mint();
  const flip = (s: string, i: number) =>
    s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

  t.equal(cookies.read(`${SESSION_COOKIE}=${foreign}`), null, 'signed with a foreign secret');
  t.equal(cookies.read(`${SESSION_COOKIE}=${flip(value, 3)}`), null, 'id tampered');
  t.equal(cookies.read(`${SESSION_COOKIE}=${flip(value, value.length - 2)}`), null, 'mac tampered');
  t.equal(cookies.read(`${SESSION_COOKIE}=${otherSid}.${value.split('.')[1]}`), null, 'mac moved');
  t.equal(cookies.read(`${SESSION_COOKIE}=${sid}`), null, 'unsigned');
  for (const junk of ['', '.', 'x.y', `${sid}.`, `${value}.extra`, 'a'.repeat(5000)]) {
    t.equal(cookies.read(`${SESSION_COOKIE}=${junk}`), null, `malformed ${junk.slice(0, 20)}`);
  }
  t.equal(cookies.read(undefined), null);
  t.equal(cookies.read(`other_${SESSION_COOKIE}=${value}`), null, 'another cookie name');
});

t.test('cookie tossing: a forged hg_sid placed first does not shadow the real one', async (t) => {
  // Attack: a sibling subdomain injects its own hg_sid cookie ahead of the real one.
  const cookies = createVisitorCookies([NEW]);
  const sid = cookies.mint();
  const forged = `${cookies.mint()}.${'A'.repeat(43)}`;
  t.equal(cookies.read(`${SESSION_COOKIE}=${forged}; ${SESSION_COOKIE}=${cookies.sign(sid)}`), sid);
  const other = cookies.mint();
  t.equal(
    cookies.read(
      `${SESSION_COOKIE}=${cookies.sign(sid)}; ${SESSION_COOKIE}=${cookies.sign(other)}`,
    ),
    sid,
    'of two valid ones, the first',
  );
});

t.test('secret rotation: the first secret signs, every listed secret verifies', async (t) => {
  const before = createVisitorCookies([OLD]);
  const during = createVisitorCookies([NEW, OLD]);
  const after = createVisitorCookies([NEW]);
  const sid = before.mint();
  const oldCookie = `${SESSION_COOKIE}=${before.sign(sid)}`;

  t.equal(during.read(oldCookie), sid, 'a cookie signed with the second secret still verifies');
  const reissued = `${SESSION_COOKIE}=${cookieValue(during.setCookie(sid, { secure: false }))}`;
  t.equal(after.read(reissued), sid, 'new cookies are signed with the first secret');
  t.equal(
    after.read(oldCookie),
    null,
    'once the old secret is dropped, its cookies are not honoured',
  );
  t.throws(() => createVisitorCookies([]), 'a secret is required');
});
