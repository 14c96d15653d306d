import { parse, serialize } from 'parse5';
import t, { type Test } from 'tap';
import { random, rewrite } from './_rewrite-helpers.js';

// What a browser builds from the output must equal what it builds from the input, minus the
// elements that were stripped, plus the beacon: parse5 follows the HTML parsing spec.

type Node = {
  nodeName: string;
  tagName?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  content?: Node;
  parentNode?: Node;
};

function walk(node: Node, visit: (n: Node) => boolean | undefined): void {
  if (node.childNodes) node.childNodes = node.childNodes.filter((c) => visit(c) !== false);
  for (const c of node.childNodes ?? []) walk(c, visit);
  if (node.content) walk(node.content, visit);
}

const attr = (n: Node, name: string) => n.attrs?.find((a) => a.name === name)?.value;

/** Checks one page; returns the number of stripped elements. */
function check(t: Test, page: string, chunks?: number[]): number {
  const out = rewrite(page, { strip: ['[data-strip]'], chunks });
  const outDoc = parse(out) as unknown as Node;
  let beacons = 0;
  const kept = new Set<string>();
  walk(outDoc, (n) => {
    if (n.tagName === 'script' && attr(n, 'src')?.startsWith('/__helpgate/')) {
      beacons++;
      return false;
    }
    const id = attr(n, 'data-strip');
    if (id !== undefined) kept.add(id);
    return true;
  });
  let stripped = 0;
  const inDoc = parse(page) as unknown as Node;
  walk(inDoc, (n) => {
    const id = attr(n, 'data-strip');
    if (id !== undefined && !kept.has(id)) {
      stripped++;
      return false;
    }
    return true;
  });
  const same = serialize(outDoc as never) === serialize(inDoc as never);
  if (!same || beacons !== 1) {
    const e = serialize(inDoc as never);
    const a = serialize(outDoc as never);
    let d = 0;
    while (d < e.length && e[d] === a[d]) d++;
    t.fail('DOM differs', {
      page,
      out,
      beacons,
      expected: e.slice(Math.max(0, d - 60), d + 60),
      actual: a.slice(Math.max(0, d - 60), d + 60),
    });
  }
  return stripped;
}

const FRAGMENTS = [
  '<div>',
  '</div>',
  '<p>',
  '</p>',
  '<b>',
  '</b>',
  '<i>',
  '</i>',
  '<a href=/h>',
  '</a>',
  '<ul>',
  '<li>',
  '</li>',
  '</ul>',
  '<table>',
  '<tr>',
  '<td>',
  '</td>',
  '</tr>',
  '</table>',
  '<span>',
  '</span>',
  'text',
  ' ',
  '<!-- c -->',
  '<br>',
  '<img src=x>',
  '<svg>',
  '</svg>',
  '<math>',
  '<mi>',
  '</math>',
  '<script>1<2</script>',
  '<style>a{}</style>',
  '<title>t</title>',
  '<template>',
  '</template>',
  '<select>',
  '<option>',
  '</select>',
  '<form>',
  '</form>',
  '<textarea>x</textarea>',
  '<head>',
  '</head>',
  '<body>',
  '</body>',
  '<meta charset=utf-8>',
  '<dl>',
  '<dt>',
  '<dd>',
  '</dl>',
  '<h1>',
  '</h1>',
  '<button>',
  '</button>',
  '<nobr>',
  '<foreignObject>',
  '</foreignObject>',
  '<section>',
  '</section>',
  '<caption>',
  '<col>',
  '<input type=hidden>',
  '<frameset>',
  '<noscript>x</noscript>',
  '<em>',
  '</em>',
  '<pre>',
];
const STRIPPABLE = ['div', 'p', 'span', 'li', 'a', 'b', 'section', 'td', 'img', 'ul', 'em', 'dd'];

function randomPage(seed: number): string {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  let page = next() < 0.7 ? '<!DOCTYPE html>' : '';
  const n = 5 + Math.floor(next() * 40);
  let id = 0;
  for (let k = 0; k < n; k++) {
    if (next() < 0.2) {
      const name = pick(STRIPPABLE);
      const body = name === 'img' ? '' : `x${k}</${name}>`;
      page += `<${name} data-strip=${++id}>${body}`;
    } else page += pick(FRAGMENTS);
  }
  return page;
}

t.test('hand-picked pages keep their DOM', async (t) => {
  const pages = [
    '<!DOCTYPE html><html><head><title>x</title></head><body><div data-strip=1><p>a</div><p>b</body></html>',
    '<ul><li>One<li data-strip=1>Two<li>Three</ul><p>after',
    '<p><b>x</p><div data-strip=1>y</div>z',
    '<table><tr><td data-strip=1>a<td>b</table>',
    '<table><div data-strip=1>fostered</div><tr><td>x</td></tr></table>',
    '<b><div data-strip=1>x</b>y</div>z',
    '<div data-strip=1><b>bold</div>still bold',
    '<select><option data-strip=1>a<option>b</select>',
    '<svg><g data-strip=1><p>breakout</g></svg>',
    '<math><mi data-strip=1>x</mi><annotation-xml encoding=text/html><div data-strip=2>h</div></annotation-xml></math>',
    '<template><div data-strip=1>t</div></template><div data-strip=2>d</div>',
    '<form data-strip=1><input></form><form><input></form>',
    '<div data-strip=1><form><input></div><input>',
    '<a data-strip=1 href=/help>help<a href=/x>x</a>',
    '<p data-strip=1>para<table><tr><td>in table</table>',
    '<head><div data-strip=1>x</div> <link rel=x></head>',
    '<body><div data-strip=1>x</body>y</div>',
    '<frameset><frame></frameset>',
    '<nobr>a<nobr data-strip=1>b</nobr>c',
    '<dl><dt data-strip=1>term<dd>def</dl>',
    '<h1 data-strip=1>t<h2>u</h2>',
    '<button data-strip=1>x<button>y</button>',
    '<div data-strip=1>x</div><frameset><frame></frameset>',
    '<div data-strip=1></div><frameset><frame></frameset>',
    '<p data-strip=1></p><p data-strip=2>x</p><meta charset=utf-8>',
    '<a href=/h><template><td></td></template><a data-strip=1>x</a><foreignObject><math>',
    '<table><tr><select><td data-strip=1>x</td></tr></table>',
    '<svg></p><div data-strip=1>x</div>',
    '<p data-strip=1>x</body> <!-- c -->',
  ];
  for (const page of pages) check(t, page);
});

t.test('random pages keep their DOM, whole and in random chunks', async (t) => {
  let stripped = 0;
  for (let seed = 1; seed <= 1500; seed++) {
    const page = randomPage(seed);
    stripped += check(t, page);
    const next = random(seed + 10_000);
    check(
      t,
      page,
      Array.from({ length: 20 }, () => 1 + Math.floor(next() * 12)),
    );
  }
  t.ok(stripped > 200, `stripped ${stripped} elements in well-nested places`);
});
