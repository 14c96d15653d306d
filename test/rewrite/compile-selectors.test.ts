import t from 'tap';
import { checkSelector } from '../../src/rewrite/check-selector.js';
import { compileSelectors, unstreamableReason } from '../../src/rewrite/compile-selectors.js';
import { NS_HTML, type OpenElement } from '../../src/rewrite/open-elements.js';

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
    ['x-é', /beyond ASCII/],
    ['[data-rôle=help]', /beyond ASCII/],
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

t.test('simple selectors tell what an attribute value must contain to match', async (t) => {
  const matcher = compileSelectors([
    '.help',
    '#Chat-Widget',
    'a[href^="/help"]',
    '[data-help]',
    'iframe',
    'a[title][rel=x]',
  ]);
  const needles = Object.fromEntries(
    matcher.attributeNames.map((name, i) => [name, matcher.needles?.lists[i]]),
  );
  t.same(needles, {
    class: ['help'],
    id: ['chat-widget'],
    href: ['/help'],
    'data-help': [''],
    // The candidate of `a[title][rel=x]` requires rel, its last attribute; title alone
    // makes no element worth a look.
    rel: ['x'],
    title: [],
  });
  t.same([...matcher.needles!.shortest], [4, 11, 5, 0, 1, -1], 'the shortest of each, in order');
  for (const selectors of [['.help', 'nav .help'], ['div:not(.keep)'], ['[title="café"]']]) {
    t.equal(compileSelectors(selectors).needles, null, `${selectors.join(', ')}: no needles`);
  }
});

t.test('case-insensitive attribute values compare ASCII-caselessly', async (t) => {
  const el = (title: string): OpenElement => ({
    name: 'p',
    ns: NS_HTML,
    start: 0,
    tagEnd: 0,
    attrs: [title],
    implied: false,
    integration: false,
    certainStart: true,
    closedFrom: -1,
    kind: 0,
    watched: false,
  });
  const matcher = compileSelectors(['[title=k i]', '[title*=i i]']);
  t.ok(matcher.matches(el('K'), [], 0, false), 'K is k');
  t.notOk(matcher.matches(el('\u212a'), [], 0, false), 'the Kelvin sign is not k');
  t.notOk(matcher.matches(el('\u0130'), [], 0, false), 'a dotted capital I holds no i');
  // A needle is lowercased the same way: the Kelvin sign would become k, and the byte check
  // would then pass over the values that hold it.
  t.equal(
    compileSelectors(['[title*="\u212a"]']).needles,
    null,
    'no ASCII needle for the Kelvin sign',
  );
});
