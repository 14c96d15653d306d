/**
 * The deployment recipes in deploy/. No image can be built here (no container registry), so
 * what can be checked without one is: the Dockerfile copies files that exist and reach the
 * build context, its stages are wired as documented, the compose file and the config they
 * share agree, and the systemd unit passes `systemd-analyze verify` where that is installed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import picomatch from 'picomatch';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile, packageRoot } from '../../src/util/package-root.js';

const run = promisify(execFile);
const ROOT = packageRoot();
const DEPLOY = packageFile('deploy');
const CONFIG_PATH = '/etc/helpgate/helpgate.yaml';

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined and ARG defaults substituted. */
function dockerfile(): Instruction[] {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const args = new Map<string, string>();
  const instructions: Instruction[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const keyword = match[1].toUpperCase();
    const rest = match[2].replace(/\$\{(\w+)\}/g, (whole, name: string) => args.get(name) ?? whole);
    if (keyword === 'ARG') {
      const [name = '', value = ''] = rest.split('=');
      args.set(name.trim(), value.trim());
    }
    instructions.push({ keyword, args: rest.trim() });
  }
  return instructions;
}

/** The stages of the Dockerfile by name (the last one is what `docker build` produces). */
function stages(): { name: string; image: string; body: Instruction[] }[] {
  const result: { name: string; image: string; body: Instruction[] }[] = [];
  for (const instruction of dockerfile()) {
    if (instruction.keyword === 'FROM') {
      const [image = '', , name = ''] = instruction.args.split(/\s+/);
      result.push({ name, image, body: [] });
    } else {
      result.at(-1)?.body.push(instruction);
    }
  }
  return result;
}

/** True when `.dockerignore` keeps `path` (relative to the context) out of the build context. */
function dockerIgnored(path: string): boolean {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  // As Docker does: the last matching pattern wins, and a pattern matching a folder covers
  // everything in it.
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = (negated ? pattern.slice(1) : pattern).replace(/^\/|\/$/g, '');
    if (prefixes.some((prefix) => picomatch.isMatch(prefix, glob, { dot: true }))) {
      ignored = !negated;
    }
  }
  return ignored;
}

/** The JSON array of an exec-form instruction, or undefined for the shell form. */
function execForm(args: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(args);
    return Array.isArray(value) ? value.map(String) : undefined;
  } catch {
    return undefined;
  }
}

t.test(
  'Dockerfile: every COPY from the context names a file that exists and is not ignored',
  async (t) => {
    const copies = dockerfile().filter(
      (i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !i.args.startsWith('--from='),
    );
    t.ok(copies.length >= 5);
    for (const copy of copies) {
      const sources = copy.args
        .split(/\s+/)
        .filter((word) => !word.startsWith('--'))
        .slice(0, -1);
      for (const source of sources) {
        t.ok(existsSync(join(ROOT, source)), `${source} exists`);
        t.notOk(dockerIgnored(source), `${source} reaches the build context`);
      }
    }
    for (const kept of ['node_modules', 'dist', '.git', 'test', 'bench']) {
      t.ok(dockerIgnored(kept), `${kept} stays out of the build context`);
    }
  },
);

t.test('Dockerfile: builds with dev dependencies, runs with production ones only', async (t) => {
  const all = stages();
  const [build, runtime] = all;
  t.equal(all.length, 2);
  t.equal(build?.name, 'build');
  t.match(
    build?.body.filter((i) => i.keyword === 'RUN').map((i) => i.args),
    [/^npm ci\b/, /^npm run build$/],
  );
  const engines = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')).engines
    .node as string;
  const nodeMajor = /^>=(\d+)/.exec(engines)?.[1];
  for (const stage of all) t.match(stage.image, new RegExp(`^node:${nodeMajor}-`), stage.image);

  const body = runtime?.body ?? [];
  const runs = body.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  t.ok(
    runs.some((r) => /^npm ci --omit=dev\b/.test(r)),
    'production dependencies only',
  );
  t.match(
    body.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from=')).map((i) => i.args),
    [/^--from=build \/build\/dist \./],
    'the built files come from the build stage',
  );
  const user = body.findLast((i) => i.keyword === 'USER')?.args;
  t.ok(user && !/^(root|0)(:|$)/.test(user), `runs as ${user}, not root`);
});

t.test('Dockerfile: exec form, so docker stop’s SIGTERM reaches helpgate', async (t) => {
  const runtime = stages().at(-1)?.body ?? [];
  const entrypoint = execForm(runtime.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '');
  const cmd = execForm(runtime.find((i) => i.keyword === 'CMD')?.args ?? '');
  t.same(entrypoint, ['node', '/opt/helpgate/bin/helpgate']);
  t.same(cmd, ['start', '--config', CONFIG_PATH]);
  const health = runtime.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
  t.ok(execForm(health.replace(/^.*?CMD\s+/, '')), 'HEALTHCHECK in exec form');
  const healthUrl = runtime.find((i) => i.keyword === 'ENV' && i.args.includes('HEALTH_URL'));
  t.match(healthUrl?.args, /=http:\/\/127\.0\.0\.1:8080\/__helpgate\/healthz$/);
});

t.test('compose: helpgate built from the repository in front of an example site', async (t) => {
  const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'));
  t.same(Object.keys(compose.services).sort(), ['helpgate', 'site']);
  const helpgate = compose.services.helpgate;
  const context = resolve(DEPLOY, helpgate.build.context);
  t.equal(context, ROOT);
  t.ok(existsSync(join(context, helpgate.build.dockerfile)), 'the Dockerfile it builds');
  for (const volume of [...helpgate.volumes, ...compose.services.site.volumes] as string[]) {
    const [source = ''] = volume.split(':');
    if (source.startsWith('.')) t.ok(existsSync(join(DEPLOY, source)), `${source} exists`);
  }
  t.ok(
    helpgate.volumes.includes(`./helpgate.yaml:${CONFIG_PATH}:ro`),
    'the config mounted where the image reads it',
  );
  t.match(helpgate.environment.HELPGATE_UPSTREAM, /^http:\/\/site\b/);
});

t.test(
  'deploy/helpgate.yaml is valid with the variables compose and the env file set',
  async (t) => {
    const config = join(DEPLOY, 'helpgate.yaml');
    const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'));
    const envFile = readFileSync(join(DEPLOY, 'helpgate.env.example'), 'utf8');
    const needed = [...readFileSync(config, 'utf8').matchAll(/\$\{(\w+)(:-)?/g)].map((m) => m[1]);
    for (const name of needed) {
      t.ok(name && name in compose.services.helpgate.environment, `compose sets ${name}`);
      t.match(envFile, new RegExp(`^${name}=`, 'm'), `the env file lists ${name}`);
    }
    const env = Object.fromEntries(needed.map((name) => [name, 'deploy-test-value-0123456789']));
    const loaded = await loadConfig(config, {
      env: { ...env, HELPGATE_UPSTREAM: 'http://site' },
    });
    t.equal(loaded.config.listen.port, 8080, 'the port the image exposes and checks');
    t.equal(loaded.config.prefix, '/__helpgate/', 'the prefix of the health check');
    t.equal(loaded.config.state.file, '/var/lib/helpgate/state.json', 'state in the volume');
  },
);

t.test('systemd unit: hardened, restarts on failure, reloads on SIGHUP', async (t) => {
  const unit = readFileSync(join(DEPLOY, 'helpgate.service'), 'utf8');
  const settings = new Map<string, string>();
  for (const line of unit.split('\n')) {
    const match = /^(\w+)=(.*)$/.exec(line);
    if (match?.[1]) settings.set(match[1], match[2] ?? '');
  }
  t.equal(settings.get('Type'), 'exec');
  t.equal(settings.get('Restart'), 'on-failure');
  t.equal(settings.get('ExecReload'), '/bin/kill -HUP $MAINPID');
  t.equal(settings.get('ExecStart'), `/opt/helpgate/bin/helpgate start --config ${CONFIG_PATH}`);
  for (const [key, value] of [
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['DynamicUser', 'yes'],
    ['StateDirectory', 'helpgate'],
  ]) {
    t.equal(settings.get(key ?? ''), value, `${key}=${value}`);
  }
  t.ok(settings.get('EnvironmentFile'), 'secrets from an EnvironmentFile');
});

const analyzer = await run('systemd-analyze', ['--version']).then(
  () => true,
  () => false,
);

t.test(
  'systemd unit: systemd-analyze verify finds no problem',
  { skip: analyzer ? false : 'systemd-analyze is not installed' },
  async (t) => {
    const unit = readFileSync(join(DEPLOY, 'helpgate.service'), 'utf8');
    // verify needs ExecStart to exist: the copy runs the checkout's helpgate instead.
    const dir = mkdtempSync(join(tmpdir(), 'helpgate-unit-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const copy = join(dir, 'helpgate.service');
    writeFileSync(copy, unit.replace('/opt/helpgate/bin/helpgate', packageFile('bin', 'helpgate')));
    const result = await run('systemd-analyze', ['verify', copy]).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => error,
    );
    t.equal(result.code, 0, result.stderr);
    t.equal(result.stderr, '', 'no warnings');
  },
);
