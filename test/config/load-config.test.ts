// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the config's own ${NAME} syntax is under test
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { formatConfigErrors } from '../../src/config/format-config-errors.js';
import {
  ConfigError,
  type ConfigProblem,
  type LoadConfigOptions,
  loadConfig,
  parseConfigText,
} from '../../src/config/load-config.js';

/** Two valid lines; whatever a test appends starts on line 3. */
const BASE = 'upstream: http://127.0.0.1:3000\nsecret: 0123456789abcdef0123\n';

function problemsOf(text: string, options: LoadConfigOptions = { env: {} }): ConfigProblem[] {
  try {
    parseConfigText(text, 'test.yaml', options);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

/** `code@line:col keyPath` for compact assertions. */
const where = (p: ConfigProblem) => `${p.code}@${p.line}:${p.column} ${p.keyPath}`;

t.test('an unknown key is reported at the key itself, with a suggestion', async (t) => {
  const [problem, ...rest] = problemsOf(`${BASE}listen:\n  port: 8080\n  prot: 9\n`);
  t.same(rest, []);
  t.equal(where(problem!), 'HG_ERR_CONFIG_UNKNOWN_KEY@5:3 listen.prot');
  t.match(problem!.message, 'did you mean "port"');
  t.equal(problem!.example, 'port: 8080');
});

t.test('a wrong type names what was expected and what was found', async (t) => {
  const [problem] = problemsOf(`${BASE}listen:\n  port: abc\n`);
  t.equal(where(problem!), 'HG_ERR_CONFIG_TYPE@4:9 listen.port');
  t.equal(problem!.message, 'expected a number, got the string "abc"');
});

t.test('a bad duration deep in a trigger', async (t) => {
  const text = `${BASE}triggers:\n  - name: slow\n    when:\n      timeOnPage: 45 seconds\n`;
  const [problem] = problemsOf(text);
  t.equal(where(problem!), 'HG_ERR_CONFIG_DURATION@6:19 triggers[0].when.timeOnPage');
  t.equal(problem!.example, 'timeOnPage: 45s');
});

t.test('a bad URL', async (t) => {
  const [problem] = problemsOf('upstream: localhost:3000\nsecret: 0123456789abcdef0123\n');
  t.equal(where(problem!), 'HG_ERR_CONFIG_URL@1:11 upstream');
  t.match(problem!.message, 'http:// or https://');
  t.equal(problem!.example, 'upstream: http://127.0.0.1:3000');
});

t.test('bad selectors: a sibling combinator and one that does not parse', async (t) => {
  const problems = problemsOf(`${BASE}strip: ['a + b', 'div[']\n`);
  t.same(problems.map(where), [
    'HG_ERR_CONFIG_SELECTOR@3:9 strip[0]',
    'HG_ERR_CONFIG_SELECTOR@3:18 strip[1]',
  ]);
  t.match(problems[0]!.message, 'sibling combinator');
  t.match(problems[1]!.message, 'does not parse');
  t.equal(problems[0]!.example, "strip: ['.help-link', '#help-widget']");
});

t.test('a bad glob', async (t) => {
  const [problem] = problemsOf(`${BASE}servicePoints: ['checkout']\n`);
  t.equal(where(problem!), 'HG_ERR_CONFIG_GLOB@3:17 servicePoints[0]');
  t.match(problem!.message, 'must start with "/"');
});

t.test('an unset environment variable, without follow-on complaints', async (t) => {
  const problems = problemsOf(`${BASE}admin:\n  token: \${ADMIN_TOKEN}\n`);
  t.same(problems.map(where), ['HG_ERR_CONFIG_ENV@4:10 admin.token']);
  t.match(problems[0]!.message, 'ADMIN_TOKEN is not set');
});

t.test('a YAML syntax error', async (t) => {
  const [problem] = problemsOf(`${BASE}listen: [1, 2\nport: 3\n`);
  t.equal(problem!.code, 'HG_ERR_CONFIG_YAML');
  t.equal(problem!.line, 4);
  t.match(problem!.message, 'not valid YAML');
});

t.test('a duplicate key is an error at the second occurrence', async (t) => {
  const [problem] = problemsOf(`${BASE}listen:\n  port: 1\n  port: 2\n`);
  t.equal(where(problem!), 'HG_ERR_CONFIG_YAML@5:3 listen.port');
  t.match(problem!.message, 'duplicate key "port"');
});

t.test('a missing required key points at the mapping that lacks it', async (t) => {
  t.same(problemsOf('listen:\n  port: 8080\n').map(where), [
    'HG_ERR_CONFIG_MISSING@1:1 upstream',
    'HG_ERR_CONFIG_MISSING@1:1 secret',
  ]);
  const text = `${BASE}triggers:\n  - name: slow\n    offer: button\n`;
  const [problem] = problemsOf(text);
  t.equal(where(problem!), 'HG_ERR_CONFIG_MISSING@4:5 triggers[0].when');
  t.equal(problem!.example, 'when:\n  timeOnPage: 45s', 'a block example without its comments');
});

t.test('every problem is reported at once, in order of position', async (t) => {
  const text = [
    'upstream: http://127.0.0.1:3000',
    'secret: 0123456789abcdef0123',
    'gate:',
    '  mode: sometimes',
    'heartbeat:',
    '  intervl: 5s',
    'timeouts:',
    '  connect: soon',
    "strip: ['a ~ b']",
  ].join('\n');
  t.same(problemsOf(text).map(where), [
    'HG_ERR_CONFIG_INVALID@4:9 gate.mode',
    'HG_ERR_CONFIG_UNKNOWN_KEY@6:3 heartbeat.intervl',
    'HG_ERR_CONFIG_DURATION@8:12 timeouts.connect',
    'HG_ERR_CONFIG_SELECTOR@9:9 strip[0]',
  ]);
});

// Fault: an invalid trustProxy entry passed `check` and then made every request 502.
t.test('invalid trustProxy entries are refused at their line, IPv4 and IPv6', async (t) => {
  const bad = ['10.0.0.256', 'beef', '10.0.0.0/99', '2001:db8::/129', 'fe80::zz', '10.0.0.0/x'];
  const text = `${BASE}trustProxy:\n${bad.map((entry) => `  - '${entry}'\n`).join('')}`;
  const problems = problemsOf(text);
  t.same(
    problems.map(where),
    bad.map((_, i) => `HG_ERR_CONFIG_INVALID@${4 + i}:5 trustProxy[${i}]`),
  );
  t.match(problems[0]!.message, 'not an IP address: "10.0.0.256"');
  t.match(problems[2]!.message, '0 to 32 for an IPv4 address, got "99"');
  t.match(problems[3]!.message, '0 to 128 for an IPv6 address, got "129"');
  const good = ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1', '::ffff:10.0.0.0/104'];
  const valid = `${BASE}trustProxy: [${good.map((entry) => `'${entry}'`).join(', ')}]\n`;
  t.same(parseConfigText(valid, 'test.yaml', { env: {} }).config.trustProxy, good);
});

t.test('onRequest combined with timeOnPage is an error', async (t) => {
  const text = `${BASE}triggers:\n  - name: early\n    when:\n      onRequest: true\n      timeOnPage: 10s\n`;
  const [problem] = problemsOf(text);
  t.equal(where(problem!), 'HG_ERR_CONFIG_INVALID@7:19 triggers[0].when.timeOnPage');
  t.match(problem!.message, 'onRequest triggers combine only with');
});

t.test('interpolation: defaults, re-read scalars, quoting and escapes', async (t) => {
  const text = [
    'upstream: ${UPSTREAM:-http://127.0.0.1:3000}',
    'secret: ${SECRET}',
    'listen:',
    '  port: ${PORT:-8080}',
    'offers:',
    '  enabled: ${OFFERS:-false}',
    '  content:',
    '    button:',
    '      label: "Ask us (${CURRENCY:-EUR} $${AMOUNT})"',
  ].join('\n');
  const env = { SECRET: 'from-the-environment-0123' };
  const { config } = parseConfigText(text, 'test.yaml', { env });
  t.equal(config.listen.port, 8080, 'a plain ${PORT:-8080} is a number');
  t.equal(config.offers.enabled, false, 'a plain ${X:-false} is a boolean');
  t.equal(config.offers.content.button.label, 'Ask us (EUR ${AMOUNT})');
  t.same(config.secret, ['from-the-environment-0123']);
  t.equal(config.upstream.href, 'http://127.0.0.1:3000/');

  const set = parseConfigText(text, 'test.yaml', { env: { ...env, PORT: '9090', OFFERS: 'true' } });
  t.equal(set.config.listen.port, 9090);
  t.equal(set.config.offers.enabled, true);

  const [quoted] = problemsOf(`${BASE}listen:\n  port: "\${PORT:-8080}"\n`);
  t.equal(
    where(quoted!),
    'HG_ERR_CONFIG_TYPE@4:9 listen.port',
    'a quoted reference stays a string',
  );
});

t.test('relative file paths resolve against the config file folder', async (t) => {
  const dir = t.testdir({
    site: {
      'helpgate.yaml': [
        'upstream: https://127.0.0.1:3443',
        'secret: 0123456789abcdef0123',
        'listen:',
        '  tls: { cert: tls/cert.pem, key: ./tls/key.pem }',
        'upstreamCa: ../shared/ca.pem',
        'state:',
        '  file: state/helpgate.json',
      ].join('\n'),
      tls: { 'cert.pem': 'cert', 'key.pem': 'key' },
    },
    shared: { 'ca.pem': 'ca' },
  });
  const { config, file } = await loadConfig(join(dir, 'site', 'helpgate.yaml'), { env: {} });
  t.equal(file, join(dir, 'site', 'helpgate.yaml'));
  t.same(config.listen.tls, {
    cert: join(dir, 'site', 'tls', 'cert.pem'),
    key: join(dir, 'site', 'tls', 'key.pem'),
  });
  t.equal(config.upstreamCa, join(dir, 'shared', 'ca.pem'));
  t.equal(config.state.file, join(dir, 'site', 'state', 'helpgate.json'), 'need not exist yet');

  const absolute = join(dir, 'shared', 'ca.pem');
  writeFileSync(join(dir, 'abs.yaml'), `${BASE}upstreamCa: ${absolute}\n`);
  t.equal((await loadConfig(join(dir, 'abs.yaml'), { env: {} })).config.upstreamCa, absolute);
});

t.test('a TLS or CA file that cannot be read is reported at its key', async (t) => {
  const dir = t.testdir({
    'helpgate.yaml': `${BASE}listen:\n  tls:\n    cert: missing.pem\n    key: key.pem\n`,
    'key.pem': 'key',
  });
  const file = join(dir, 'helpgate.yaml');
  const error = await loadConfig(file, { env: {} }).catch((e: unknown) => e);
  t.type(error, ConfigError);
  const problems = (error as ConfigError).problems;
  t.same(problems.map(where), ['HG_ERR_CONFIG_FILE@5:11 listen.tls.cert']);
  t.match(problems[0]!.message, 'missing.pem');
  t.match(problems[0]!.message, 'no such file');
});

t.test('offers.mediaDir resolves against the config file folder; null stays null', async (t) => {
  const dir = t.testdir({
    site: { 'helpgate.yaml': `${BASE}offers:\n  mediaDir: ./media\n`, media: {} },
    'plain.yaml': BASE,
  });
  const { config } = await loadConfig(join(dir, 'site', 'helpgate.yaml'), { env: {} });
  t.equal(config.offers.mediaDir, join(dir, 'site', 'media'));
  const plain = await loadConfig(join(dir, 'plain.yaml'), { env: {} });
  t.equal(plain.config.offers.mediaDir, null, 'null: the demo media');
});

t.test('a mediaDir that is not a readable folder is reported at its key', async (t) => {
  const dir = t.testdir({ 'a-file.ogg': 'OggS' });
  for (const [value, reason] of [
    ['missing', 'no such folder'],
    ['a-file.ogg', 'not a folder'],
  ] as const) {
    writeFileSync(join(dir, 'helpgate.yaml'), `${BASE}offers:\n  mediaDir: ${value}\n`);
    const error = await loadConfig(join(dir, 'helpgate.yaml'), { env: {} }).catch((e) => e);
    t.type(error, ConfigError);
    const problems = (error as ConfigError).problems;
    t.same(problems.map(where), ['HG_ERR_CONFIG_FILE@4:13 offers.mediaDir'], value);
    t.match(problems[0]!.message, `${value} (${join(dir, value)})`);
    t.match(problems[0]!.message, reason);
    t.equal(problems[0]!.example, 'mediaDir: null');
  }
});

t.test('a config file that cannot be read', async (t) => {
  const dir = t.testdir({});
  const error = await loadConfig(join(dir, 'nope.yaml')).catch((e: unknown) => e);
  t.type(error, ConfigError);
  t.equal((error as ConfigError).problems[0]?.code, 'HG_ERR_CONFIG_READ');
});

t.test('command-line overrides win and are validated like the file', async (t) => {
  const overrides = { upstream: 'http://127.0.0.1:4000', port: 0, host: '127.0.0.1' };
  const { config } = parseConfigText(BASE, 'test.yaml', { env: {}, overrides });
  t.equal(config.upstream.href, 'http://127.0.0.1:4000/');
  t.same([config.listen.host, config.listen.port], ['127.0.0.1', 0]);

  const problems = problemsOf(BASE, { env: {}, overrides: { upstream: 'nope', port: 70000 } });
  const byKey = new Map(problems.map((p) => [p.keyPath, p]));
  t.equal(problems.length, 2);
  t.match(byKey.get('upstream'), { code: 'HG_ERR_CONFIG_URL', line: undefined });
  t.match(byKey.get('upstream')?.message, 'given by --upstream');
  t.match(byKey.get('listen.port'), { code: 'HG_ERR_CONFIG_INVALID', line: undefined });
  t.match(byKey.get('listen.port')?.message, 'given by --port');
});

t.test('the formatted report names file, line:column, key path, code and an example', async (t) => {
  const text = `${BASE}listen:\n  port: abc\nheartbeat:\n  interval: 10m\n`;
  let report = '';
  try {
    parseConfigText(text, 'helpgate.yaml', { env: {} });
  } catch (error) {
    report = formatConfigErrors(error as ConfigError);
  }
  t.equal(
    report,
    [
      'helpgate.yaml:4:9  listen.port: expected a number, got the string "abc" [HG_ERR_CONFIG_TYPE]',
      '    e.g. port: 8080',
      'helpgate.yaml:6:13  heartbeat.interval: must be between 1s and 5m [HG_ERR_CONFIG_INVALID]',
      '    e.g. interval: 5s',
    ].join('\n'),
  );
});

// Config errors end up in logs and terminals: a mistyped credential must not be printed there.
t.test('config errors do not echo a secret or token value', async (t) => {
  const text = `upstream: http://127.0.0.1:3000\nsecret: 98765432109876543210\nadmin: { token: 12345678901234567890 }\n`;
  const problems = problemsOf(text);
  t.same(problems.map(where), [
    'HG_ERR_CONFIG_TYPE@2:9 secret',
    'HG_ERR_CONFIG_TYPE@3:17 admin.token',
  ]);
  const report = JSON.stringify(problems);
  t.notOk(report.includes('98765432109876543210'), 'the secret is not in the report');
  t.notOk(report.includes('12345678901234567890'), 'the token is not in the report');
});

t.test('offers.appearance: check refuses a colour the widget cannot take', async (t) => {
  const text = (accent: string) => `${BASE}offers:\n  appearance:\n    accent: "${accent}"\n`;
  for (const good of ['#1d4ed8', '#FFF', 'rgb(29, 78, 216)', 'rgb(0,0,255)']) {
    t.equal(
      parseConfigText(text(good), 'test.yaml', { env: {} }).config.offers.appearance.accent,
      good,
    );
  }
  for (const bad of ['blue', '#12345', 'rgb(300, 0, 0)', 'red; background: url(//x.example)']) {
    const [problem] = problemsOf(text(bad));
    t.equal(where(problem!), 'HG_ERR_CONFIG_INVALID@5:13 offers.appearance.accent', bad);
    t.match(problem!.message, '#rgb, #rrggbb or rgb(r, g, b)');
    t.equal(problem!.example, 'accent: "#1d4ed8"');
  }
  const [position] = problemsOf(`${BASE}offers: { appearance: { position: middle } }\n`);
  t.match(position!.message, /bottom-right.*bottom-left.*top-right.*top-left/);
  const [zIndex] = problemsOf(`${BASE}offers: { appearance: { zIndex: 1.5 } }\n`);
  t.equal(zIndex!.keyPath, 'offers.appearance.zIndex');
});

t.test('cross-origin media: check refuses a media URL off the site origin', async (t) => {
  // A strict page policy (default-src 'self') refuses another origin's media with a console
  // error, and the offer would play nothing.
  for (const bad of [
    'https://cdn.example/help.ogg',
    '//cdn.example/help.ogg',
    'help.ogg',
    '/\\\\x',
  ]) {
    const [problem] = problemsOf(`${BASE}offers: { content: { audio: { src: '${bad}' } } }\n`);
    t.equal(problem!.code, 'HG_ERR_CONFIG_URL', bad);
    t.equal(problem!.keyPath, 'offers.content.audio.src');
    t.match(problem!.message, "a path on the site's own origin");
  }
  const { config } = parseConfigText(
    `${BASE}offers: { content: { video: { src: /m/v.webm, captions: null, poster: null } } }\n`,
    'test.yaml',
    { env: {} },
  );
  t.same(config.offers.content.video, { src: '/m/v.webm', captions: null, poster: null });
  t.same(config.offers.content.labels, { talk: 'Talk to an agent', noThanks: 'No thanks' });
  t.same(config.offers.appearance, {
    position: 'bottom-right',
    accent: '#1d4ed8',
    zIndex: 2147483000,
  });
});
