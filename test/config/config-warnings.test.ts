import t from 'tap';
import { configWarnings } from '../../src/config/config-warnings.js';
import { parseConfigText } from '../../src/config/load-config.js';

const BASE = 'upstream: http://127.0.0.1:3000\nsecret: 0123456789abcdef0123\n';
const SOUND = `${BASE}
admin: { token: admin-token-0123456789 }
agents: { list: [{ id: alice, token: alice-token-0123456789 }] }
triggers: [{ name: slow, when: { timeOnPage: 45s } }]
strip: ['.help-link']
`;

const warningsOf = (text: string) =>
  configWarnings(parseConfigText(text, 'test.yaml', { env: {} }).config);

t.test('a sound config has no warnings', async (t) => {
  t.same(warningsOf(SOUND), []);
});

t.test('likely mistakes are each named', async (t) => {
  const warnings = warningsOf(`${BASE}strip: ['div', '.help', '*']\nstate: { file: null }\n`);
  t.match(warnings, [
    /gate.mode is "within" but agents.list is empty/,
    /triggers is empty/,
    /"div" is very broad/,
    /"\*" is very broad/,
    /admin.token is not set.*401/,
    /state.file is null .* lost on restart/,
  ]);
  t.equal(warnings.length, 6);
});

t.test('gate mode always needs no agents; a dry run is pointed out', async (t) => {
  const text = `${SOUND}gate: { mode: always }\noffers: { enabled: false }\nagents: { list: [] }\n`;
  t.same(warningsOf(text.replace(/^agents: \{ list: \[\{.*$/m, '')), [
    'offers.enabled is false: offers are decided and counted but never shown (dry run)',
  ]);
});
