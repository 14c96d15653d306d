import t from 'tap';
import { checkSelector } from '../../src/rewrite/check-selector.js';
import { compileSelectors, unstreamableReason } from '../../src/rewrite/compile-selectors.js';

t.test('selectors that cannot be decided while streaming are rejected with a reason', async (t) => {
  const rejected: [string, RegExp][] = [
    ['.a + .b', /sibling combinator/],
    ['.a ~ .b', /sibling combinator/],
    ['div:has(.help)', /:has/],
    ['li:nth-child(2)', /:nth-child/],
    ['li:first-child', /:first-child/],
    [':not(.a + .b)', /sibling combinator/],
    ['p::before', /pseudo-element/],
    ['svg|rect', /namespace/],
    ['[a!=b]', /not standard/],
    ['div[', /does not parse/],
  ];
  for (const [selector, reason] of rejected) {
    t.match(unstreamableReason(selector), reason, selector);
    t.equal(checkSelector(selector), unstreamableReason(selector), 'the config check agrees');
    t.throws(() => compileSelectors([selector]));
  }
  for (const ok of ['#help', '.a.b', 'div > a[href^="/help" i]', ':is(nav, footer) .help', '*']) {
    t.equal(checkSelector(ok), undefined, ok);
  }
});

t.test('the matcher keeps only the attributes the selectors read', async (t) => {
  const matcher = compileSelectors(['#chat', '.help', 'a[href*=help]', ':not([data-keep])']);
  t.same([...matcher.attributeNames].sort(), ['class', 'data-keep', 'href', 'id']);
});
