// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the config's own ${NAME} syntax is under test
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { configWarnings } from '../../src/config/config-warnings.js';
import { loadConfig, parseConfigText } from '../../src/config/load-config.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXAMPLE = join(ROOT, 'config', 'example.yaml');
const DEMO = join(ROOT, 'config', 'demo.yaml');
const ENV = {
  HELPGATE_SECRET: 'example-secret-0123456789',
  ALICE_TOKEN: 'alice-token-0123456789',
  BOB_TOKEN: 'bob-token-0123456789',
};

/** Every default, as a config with only the required keys resolves it. */
const defaults = parseConfigText(
  'upstream: http://127.0.0.1:3000\nsecret: 0123456789abcdef0123\n',
  join(ROOT, 'config', 'defaults.yaml'),
  { env: {} },
).config;

t.test('the example config loads as-is once its variables are set', async (t) => {
  const { config } = await loadConfig(EXAMPLE, { env: ENV });
  t.same(config.secret, [ENV.HELPGATE_SECRET]);
  t.same(
    config.agents.list.map((a) => a.token),
    [ENV.ALICE_TOKEN, ENV.BOB_TOKEN],
  );
  t.equal(config.admin.token, null, '${HELPGATE_ADMIN_TOKEN:-null} without the variable is null');
});

t.test('where the example shows a default, it is the real default', async (t) => {
  const { config } = await loadConfig(EXAMPLE, { env: ENV });
  const shownAsExamples = new Set([
    'secret',
    'strip',
    'exclude',
    'servicePoints',
    'profiles',
    'triggers',
    'agents',
  ]);
  for (const key of Object.keys(defaults) as (keyof typeof defaults)[]) {
    if (!shownAsExamples.has(key)) t.same(config[key], defaults[key], key);
  }
  t.equal(config.state.file, join(ROOT, 'config', 'helpgate-state.json'), 'beside the config file');
  t.same(
    [config.agents.defaultCapacity, config.agents.averageHandleTime],
    [defaults.agents.defaultCapacity, defaults.agents.averageHandleTime],
  );
  t.same(config.triggers[0]?.offer, 'button');
});

t.test('the example shows every key of the schema', async (t) => {
  const raw = parse(readFileSync(EXAMPLE, 'utf8'));
  const missing: string[] = [];
  const walk = (resolved: unknown, shown: unknown, path: string) => {
    if (resolved === null || typeof resolved !== 'object' || Array.isArray(resolved)) return;
    // A scalar may stand for a structured value (the rate "2/s" for { count, windowMs }).
    if (resolved instanceof URL || shown === null || typeof shown !== 'object') return;
    for (const [key, value] of Object.entries(resolved)) {
      const here = shown as Record<string, unknown>;
      if (!(key in here)) missing.push(`${path}${key}`);
      else walk(value, here[key], `${path}${key}.`);
    }
  };
  walk(defaults, raw, '');
  t.same(missing, []);
  const conditions = raw.triggers.flatMap((trigger: { when: object }) => Object.keys(trigger.when));
  for (const condition of [
    'timeOnPage',
    'heartbeats',
    'timeOnField',
    'formErrors',
    'returns',
    'servicePoint',
    'profile',
    'onRequest',
  ]) {
    t.ok(conditions.includes(condition), `a trigger shows ${condition}`);
  }
});

t.test('the demo config loads and runs the demo shop as described', async (t) => {
  const { config } = await loadConfig(DEMO, {
    env: {},
    overrides: { upstream: 'http://127.0.0.1:41234' },
  });
  t.equal(config.upstream.href, 'http://127.0.0.1:41234/', 'the CLI gives the shop its real port');
  t.equal(config.listen.port, 8080);
  t.same(config.secret, ['demo-secret-change-me-0123456789']);
  t.same(config.strip, ['.help-link', '#help-widget']);
  t.same(config.servicePoints, ['/checkout', '/checkout/**', '/cart']);
  t.same(
    config.agents.list.map((a) => a.id),
    ['alice', 'bob'],
  );
  t.equal(config.admin.token, 'demo-admin-token-change-me');
  t.equal(config.gate.mode, 'within');
  t.equal(config.state.file, null);
  t.same(
    config.triggers.map((trigger) => trigger.name),
    [
      'slow-checkout',
      'form-errors',
      'keeps-coming-back',
      'lamp-questions',
      'coffee-pot-questions',
      'blanket-questions',
      'pen-questions',
    ],
  );
  t.same(
    config.triggers.slice(3).map((trigger) => [trigger.pages, trigger.offer]),
    [
      [['/products/brass-desk-lamp'], 'button'],
      [['/products/enamel-coffee-pot'], 'screen'],
      [['/products/wool-picnic-blanket'], 'audio'],
      [['/products/fountain-pen-starter-set'], 'video'],
    ],
    'one demo product page per form of the HELP option',
  );
  t.equal(config.triggers[0]?.when.timeOnPage, 45_000);
  // The deliberate ones: nothing saved between runs, and no publicUrl (its port is chosen at
  // start; `helpgate demo` does not print config warnings).
  t.match(configWarnings(config), [/^publicUrl is not set/, /^state.file is null/]);
  t.equal(configWarnings(config).length, 2);

  const secret = 'a-real-secret-from-the-env-0123';
  const withEnv = await loadConfig(DEMO, { env: { HELPGATE_SECRET: secret } });
  t.same(withEnv.config.secret, [secret]);
});
