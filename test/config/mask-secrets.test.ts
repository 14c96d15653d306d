import t from 'tap';
import { parseConfigText } from '../../src/config/load-config.js';
import { maskSecrets } from '../../src/config/mask-secrets.js';

const SECRETS = [
  'signing-secret-current-0001',
  'signing-secret-previous-0002',
  'agent-token-alice-000000003',
  'admin-token-0000000000000004',
  'metrics-token-00000000000005',
  'redis-password-000000000006',
];

const TEXT = `
upstream: http://127.0.0.1:3000
secret: ['${SECRETS[0]}', '${SECRETS[1]}']
store: { kind: redis, url: 'redis://helpgate:${SECRETS[5]}@10.0.0.5:6379/0' }
agents:
  list:
    - { id: alice, token: ${SECRETS[2]} }
admin: { token: ${SECRETS[3]} }
metrics: { token: ${SECRETS[4]} }
timeouts: { connect: 1500ms, idle: 90s }
triggers:
  - { name: slow, when: { timeOnPage: 45s } }
`;

// An operator pastes `helpgate check` output into a ticket or a chat: no credential may be in it.
t.test('check output leaks no secret, token or store password', async (t) => {
  const { config } = parseConfigText(TEXT, 'test.yaml', { env: {} });
  const output = JSON.stringify(maskSecrets(config));
  for (const secret of SECRETS) t.notOk(output.includes(secret), `${secret} is masked`);
  const masked = JSON.parse(output);
  t.same(masked.secret, ['***', '***'], 'the number of rotated secrets still shows');
  t.equal(masked.agents.list[0].token, '***');
  t.same([masked.admin.token, masked.metrics.token], ['***', '***']);
  t.equal(masked.store.url, 'redis://helpgate:***@10.0.0.5:6379/0', 'host and user stay visible');
});

t.test('check output shows values the way the config writes them', async (t) => {
  const { config } = parseConfigText(TEXT, 'test.yaml', { env: {} });
  const masked = JSON.parse(JSON.stringify(maskSecrets(config)));
  t.equal(masked.upstream, 'http://127.0.0.1:3000/');
  t.same(masked.timeouts, {
    connect: '1500ms',
    headers: '30s',
    clientHeaders: '20s',
    body: '30s',
    idle: '90s',
    shutdownGrace: '10s',
  });
  t.same(masked.triggers[0].when, { timeOnPage: '45s' });
  t.same(masked.rateLimit, { perSession: '2/s', perAddress: '50/s' });
  t.equal(masked.gate.maxWait, 'learned');
  t.equal(masked.offers.cooldownAfterDismiss, '10m');
  t.equal(masked.rewrite.maxBytes, 8 * 1024 * 1024);
});

t.test('unset tokens show as null, not as masked', async (t) => {
  const text = 'upstream: http://127.0.0.1:3000\nsecret: 0123456789abcdef0123\n';
  const { config } = parseConfigText(text, 'test.yaml', { env: {} });
  const masked = JSON.parse(JSON.stringify(maskSecrets(config)));
  t.same([masked.admin.token, masked.metrics.token], [null, null]);
});
