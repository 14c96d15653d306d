import t from 'tap';
import { configWarnings } from '../../src/config/config-warnings.js';
import { parseConfigText } from '../../src/config/load-config.js';

const BASE = 'upstream: http://127.0.0.1:3000\nsecret: 0123456789abcdef0123\n';
const SOUND = `${BASE}
publicUrl: https://shop.example
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
    /publicUrl is not set while listen.host "0.0.0.0"/,
    /"div" is very broad/,
    /"\*" is very broad/,
    /admin.token is not set.*401/,
    /state.file is null .* lost on restart/,
  ]);
  t.equal(warnings.length, 7);
});

t.test('gate mode always needs no agents; a dry run is pointed out', async (t) => {
  const text = `${SOUND}gate: { mode: always }\noffers: { enabled: false }\nagents: { list: [] }\n`;
  t.same(warningsOf(text.replace(/^agents: \{ list: \[\{.*$/m, '')), [
    'offers.enabled is false: offers are decided and counted but never shown (dry run)',
  ]);
});

// Attack: with publicUrl unset, a client's forged Host becomes the origin helpgate re-aims the
// site's redirects at (and that a shared cache in front may keep for everyone).
t.test('forged-Host redirects: publicUrl unset on a non-loopback listen is warned', async (t) => {
  const noPublicUrl = SOUND.replace(/^publicUrl: .*$/m, '');
  const warned = (host: string) =>
    warningsOf(`${noPublicUrl}listen: { host: '${host}' }\n`).some((w) =>
      w.startsWith('publicUrl is not set'),
    );
  t.match(warningsOf(noPublicUrl), [/publicUrl is not set.*set publicUrl to the origin/]);
  for (const host of ['0.0.0.0', '::', '192.0.2.10', '2001:db8::1', 'shop.internal']) {
    t.ok(warned(host), `listen.host ${host} is warned`);
  }
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost']) {
    t.notOk(warned(host), `listen.host ${host} is loopback`);
  }
  t.same(warningsOf(`${SOUND}listen: { host: '0.0.0.0' }\n`), [], 'set publicUrl: no warning');
});

t.test('media left under /__helpgate/ after the prefix changed are pointed out', async (t) => {
  const warnings = warningsOf(
    `${SOUND}prefix: /hg/\noffers: { content: { audio: { src: /hg/media/a.ogg } } }\n`,
  );
  t.same(
    warnings.map((w) => w.split(':')[0]),
    [
      'offers.content.video.src is under /__helpgate/ but prefix is "/hg/"',
      'offers.content.video.captions is under /__helpgate/ but prefix is "/hg/"',
      'offers.content.video.poster is under /__helpgate/ but prefix is "/hg/"',
    ],
  );
});
