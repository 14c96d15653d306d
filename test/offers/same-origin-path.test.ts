// The paths the HELP page links and redirects to: never another site, whatever the visitor's
// requests said the page's path was (an open redirect otherwise).
import t from 'tap';
import { sameOriginPath } from '../../src/offers/same-origin-path.js';

t.test('open redirect: leading slashes and backslashes collapse into one', async (t) => {
  const cases: [string, string][] = [
    ['//evil.example/x', '/evil.example/x'],
    ['/\\evil.example', '/evil.example'],
    ['\\/evil.example', '/evil.example'],
    ['/\n/evil.example', '/evil.example'],
    ['/%2F%2Fevil.example/x', '/evil.example/x'],
    ['/%5c%5Cevil.example', '/evil.example'],
    ['/a/../..//evil.example', '/evil.example'],
    ['/.//evil.example', '/evil.example'],
  ];
  for (const [path, expected] of cases) t.equal(sameOriginPath(path), expected, path);
});

t.test('an ordinary path stays as the browser would request it', async (t) => {
  t.equal(sameOriginPath('/checkout/pay'), '/checkout/pay');
  t.equal(sameOriginPath('/products/%22%3E'), '/products/%22%3E');
  t.equal(sameOriginPath('/a b/é'), '/a%20b/%C3%A9');
  t.equal(sameOriginPath('/search?q=//evil.example'), '/search?q=//evil.example');
  t.equal(sameOriginPath('/x//y'), '/x//y', 'only the leading run matters');
});

t.test('what is no path at all becomes the site root', async (t) => {
  for (const value of [
    '',
    'evil.example',
    'https://evil.example/x',
    ' //evil.example',
    'javascript:alert(1)',
  ]) {
    t.equal(sameOriginPath(value), '/', JSON.stringify(value));
  }
});
