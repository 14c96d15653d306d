// agents.cannedReplies: each `/key` names one reply; problems point at the line with an example.
import t from 'tap';
import { ConfigError, type ConfigProblem, parseConfigText } from '../../src/config/load-config.js';

const BASE = 'upstream: http://127.0.0.1:3000\nsecret: 0123456789abcdef0123\n';

function problemsOf(text: string): ConfigProblem[] {
  try {
    parseConfigText(text, 'test.yaml', { env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

const where = (p: ConfigProblem) => `${p.code}@${p.line}:${p.column} ${p.keyPath}`;

t.test('canned replies are read with their keys and texts', async (t) => {
  const loaded = parseConfigText(
    `${BASE}agents:\n  cannedReplies:\n    - { key: hello, text: "Hi there" }\n`,
    'test.yaml',
    { env: {} },
  );
  t.same(loaded.config.agents.cannedReplies, [{ key: 'hello', text: 'Hi there' }]);
  t.same(
    parseConfigText(BASE, 'test.yaml', { env: {} }).config.agents.cannedReplies,
    [],
    'default',
  );
});

t.test('a key used twice is refused at the second', async (t) => {
  const text = `${BASE}agents:\n  cannedReplies:\n    - { key: hi, text: a }\n    - { key: hi, text: b }\n`;
  const [problem] = problemsOf(text);
  t.match(where(problem!), /^HG_ERR_CONFIG_INVALID@6:\d+ agents\.cannedReplies\[1\]\.key$/);
  t.match(problem!.message, 'duplicate canned reply key "hi"');
});

t.test('a key with a space is refused with an example', async (t) => {
  const [problem] = problemsOf(
    `${BASE}agents:\n  cannedReplies:\n    - { key: "say hi", text: a }\n`,
  );
  t.match(problem!.keyPath, 'agents.cannedReplies[0].key');
  t.match(problem!.example, 'key: hello');
});
