import t from 'tap';
import { TreeBuilder } from '../../src/rewrite/open-elements.js';
import { HtmlTokenizer } from '../../src/rewrite/tokenizer.js';

t.test(
  'the tree builder reports the ends of the elements a listener asked for, and no others',
  async (t) => {
    const page = '<p>one <b>two</b> <i>three</i> <b>four</b> <br></p>';
    const started: string[] = [];
    const ended: [string, number, boolean][] = [];
    const builder = new TreeBuilder({
      elementStart(el) {
        started.push(el.name);
        return el.name === 'b' || el.name === 'br';
      },
      elementEnd(el, end, certain) {
        ended.push([el.name, end, certain]);
      },
    });
    const tokenizer = new HtmlTokenizer(builder);
    builder.attach(tokenizer);
    tokenizer.write(Buffer.from(page));
    tokenizer.end();
    builder.finish(page.length, tokenizer.endedInData);
    t.same(started, ['html', 'head', 'body', 'p', 'b', 'i', 'b', 'br'], 'every element starts');
    t.same(
      ended,
      [
        ['b', page.indexOf('</b>') + 4, true],
        ['b', page.lastIndexOf('</b>') + 4, true],
        ['br', page.indexOf('<br>') + 4, true],
      ],
      'only the <b> and <br> elements end, where their bytes end',
    );
  },
);
