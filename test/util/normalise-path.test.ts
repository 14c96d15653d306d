import t from 'tap';
import { compileExclude, compileGlobs } from '../../src/util/glob.js';
import { canonicalPath, pathReadings } from '../../src/util/normalise-path.js';

const exact = { caseInsensitive: false };
const folding = { caseInsensitive: true };

t.test('the canonical path: one spelling for every way of writing a page', async (t) => {
  const cases: [string, string][] = [
    ['/products/lamp', '/products/lamp'],
    ['/products/lamp?colour=red#top', '/products/lamp'],
    ['/pay%6dent/card', '/payment/card'],
    ['/payment%2Fcard', '/payment/card'],
    ['//payment//card', '/payment/card'],
    ['/payment/./card', '/payment/card'],
    ['/x/../payment/card', '/payment/card'],
    ['/%2e%2e/payment/%2E/card', '/payment/card'],
    ['/../../payment/card', '/payment/card'],
    ['/payment\\card', '/payment/card'],
    ['/a/b/..', '/a/'],
    ['/a/', '/a/'],
    ['/', '/'],
    ['', '/'],
    // What a browser keeps escaped stays escaped, in upper case: decoding it would change
    // what the path means (a second decoding, a query, a backslash some upstreams split on).
    ['/100%25/x', '/100%25/x'],
    ['/a%3fb%23c', '/a%3Fb%23c'],
    ['/a%5cb', '/a%5Cb'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    // What a browser would escape is escaped, so a heartbeat's /café is the page /caf%C3%A9.
    ['/café', '/caf%C3%A9'],
    ['/a b"c', '/a%20b%22c'],
    ['/100%', '/100%'],
    // `;params` are part of the segment for most upstreams: kept (exclusion reads both).
    ['/a;b=1/c', '/a;b=1/c'],
  ];
  for (const [path, canonical] of cases) t.equal(canonicalPath(path, exact), canonical, path);
  t.equal(canonicalPath('/PAYMENT/Caf%c3%a9', folding), '/payment/caf%c3%a9', 'case folded');
  t.equal(canonicalPath('/PAYMENT/card', exact), '/PAYMENT/card', 'case kept by default');
});

t.test('the canonical path is idempotent and always among the readings', async (t) => {
  const alphabet = ['/', '/', '.', '..', '%', '%2F', '%2e', '%25', '%3F', '\\', ';', 'a', 'B', 'é'];
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 2000; i++) {
    let path = '/';
    const length = Math.floor(random() * 12);
    for (let j = 0; j < length; j++) path += alphabet[Math.floor(random() * alphabet.length)];
    for (const options of [exact, folding]) {
      const canonical = canonicalPath(path, options);
      if (canonicalPath(canonical, options) !== canonical) t.fail(`not idempotent: ${path}`);
      if (!pathReadings(path, options).includes(canonical)) t.fail(`not a reading: ${path}`);
      if (!canonical.startsWith('/') || canonical.includes('//')) t.fail(`odd: ${canonical}`);
    }
  }
  t.pass('2000 random paths');
});

t.test('readings: every way an upstream might read a path', async (t) => {
  t.same(pathReadings('/products/lamp', exact), ['/products/lamp'], 'a plain path: itself');
  const bypasses = [
    '/pay%6dent/card',
    '/payment%2Fcard',
    '//payment/card',
    '/payment/./card',
    '/x/../payment/card',
    '/payment\\card',
    '/payment;jsessionid=1/card',
    '/x/..;/payment/card',
    '/payment%252Fcard',
    '/x/%2e%2e/payment/card',
  ];
  for (const path of bypasses) t.ok(pathReadings(path, exact).includes('/payment/card'), path);
  // An upstream that resolves dots without merging slashes serves /x/payment/card here.
  t.ok(pathReadings('/x//../payment/card', exact).includes('/x/payment/card'));
  t.ok(pathReadings('/x//../payment/card', exact).includes('/payment/card'));
});

t.test('exclude matches any reading; servicePoints and pages the canonical one', async (t) => {
  const excluded = compileExclude(['/payment/**'], exact);
  t.ok(excluded('/pay%6dent/card'));
  t.ok(excluded('/x/..;/payment/card'));
  t.notOk(excluded('/PAYMENT/card'), 'case matters by default');
  t.ok(compileExclude(['/payment/**'], folding)('/PAYMENT/card'), 'unless caseInsensitive');
  t.notOk(excluded('/products/lamp'));
  t.notOk(compileExclude([], exact)('/payment/card'), 'no globs: nothing excluded');

  const servicePoint = compileGlobs(['/Checkout/**'], folding);
  t.ok(servicePoint(canonicalPath('/CHECKOUT/./pay', folding)));
  t.notOk(compileGlobs(['/Checkout/**'], exact)(canonicalPath('/checkout/pay', exact)));
});
