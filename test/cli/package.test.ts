/**
 * helpgate as a package: packed the way `npm publish` would (which builds it), installed from
 * the tarball with production dependencies only, and run from the installed copy.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { packageFile, packageRoot } from '../../src/util/package-root.js';

const run = promisify(execFile);
const ROOT = packageRoot();
const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
  version: string;
  main: string;
  types: string;
  engines: { node: string };
  scripts: Record<string, string>;
};

/**
 * A user's shell: no test-runner loader hooks, and none of the variables `npm test` sets that
 * would point npm at this checkout instead of the copy (the prefixes, the running script).
 */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const dropped =
    /^(NODE_OPTIONS$|TAP|_TAPJS|TS_NODE|npm_(command|execpath|node_execpath|lifecycle_|package_|config_(local_prefix|global_prefix|prefix)$))/;
  for (const [key, value] of Object.entries(process.env)) {
    if (!dropped.test(key)) env[key] = value;
  }
  // The installed helpgate starts with `#!/usr/bin/env node`: the node running this test.
  env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
  return { ...env, ...extra };
}

function npm(args: string[], cwd: string) {
  return run('npm', args, {
    cwd,
    env: userEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
}

const work = mkdtempSync(join(tmpdir(), 'helpgate-package-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

// Packs the dist/ the suite built (`npm test` builds first): with scripts on, `npm pack` would
// rebuild (prepare), replacing dist/ under the other test files that load it meanwhile.
const started = Date.now();
mkdirSync(join(work, 'packed'));
await npm(['pack', '--ignore-scripts', '--pack-destination', join(work, 'packed')], ROOT);
const tarball = join(work, 'packed', readdirSync(join(work, 'packed'))[0] ?? 'none');
const packedAfter = Date.now() - started;
const prefix = join(work, 'prefix');
await npm(
  [
    'install',
    '--global',
    '--prefix',
    prefix,
    '--omit=dev',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    tarball,
  ],
  work,
);
t.comment(`packed in ${packedAfter} ms, installed in ${Date.now() - started - packedAfter} ms`);

const installed = join(prefix, 'lib', 'node_modules', 'helpgate');
const bin = join(prefix, 'bin', 'helpgate');

t.test('the tarball holds the built package and nothing a user does not need', async (t) => {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  const files = stdout
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  for (const needed of [
    'package.json',
    'README.md',
    'docs/operators.md',
    'docs/contract.md',
    'LICENSE',
    'bin/helpgate',
    'config/example.yaml',
    'config/demo.yaml',
    'dist/src/cli/main.js',
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'dist/src/demo/shop.js',
    'dist/client/beacon.js',
    'media/help.ogg',
    'media/help.webm',
    'media/help.vtt',
    'media/help.jpg',
    'dist/client/chat.js',
    'dist/client/console.js',
    'dist/client/supervisor.js',
  ]) {
    t.ok(files.includes(needed), `ships ${needed}`);
  }
  const shipped =
    /^(package\.json|README\.md|LICENSE|bin\/helpgate|config\/[\w-]+\.(yaml|jsonl)|docs\/[\w-]+\.md|docs\/images\/[\w-]+\.png|dist\/src\/[\w/-]+\.(js|d\.ts)|dist\/client\/(beacon|chat|console|supervisor)\.(js|css)|media\/help\.(ogg|webm|vtt|jpg))$/;
  t.same(
    files.filter((f) => !shipped.test(f)),
    [],
    'no tests, TypeScript sources, source maps, benchmarks, CI or build files',
  );
});

t.test('a clone builds on npm install and npm ci, and npm pack builds what it packs', async (t) => {
  // npm runs `prepare` after install and ci (dev dependencies present) and before pack.
  t.match(pkg.scripts.prepare, /^npm run build\b/);
});

t.test('the README names the Node versions engines allows', async (t) => {
  const readme = readFileSync(packageFile('README.md'), 'utf8');
  const [, major, minor] = /^>=(\d+)\.(\d+)\.0$/.exec(pkg.engines.node) ?? [];
  t.match(readme, `Node.js ${major}.${minor} or later`);
});

t.test('installed, the package main loads and its types are there', async (t) => {
  t.ok(existsSync(join(installed, pkg.types)), `types: ${pkg.types}`);
  const { stdout } = await run(
    process.execPath,
    [
      '-e',
      'import(process.argv[1]).then((m) => console.log(typeof m.createHelpgate))',
      join(installed, pkg.main),
    ],
    { cwd: work, env: userEnv() },
  );
  t.equal(stdout, 'function\n');
});

t.test('installed without dev dependencies, helpgate answers --version', async (t) => {
  const { stdout } = await run(bin, ['--version'], { cwd: work, env: userEnv() });
  t.equal(stdout, `${pkg.version}\n`);
  t.same(
    readdirSync(join(installed, 'node_modules')).filter((name) =>
      ['typescript', 'esbuild', 'tap', '@biomejs'].includes(name),
    ),
    [],
    'no dev dependency installed',
  );
});

t.test('installed, helpgate check validates the shipped example config', async (t) => {
  const env = userEnv({
    HELPGATE_SECRET: 'package-test-secret-0123456789',
    ALICE_TOKEN: 'package-test-alice-0123456789',
    BOB_TOKEN: 'package-test-bob-0123456789',
  });
  const { stdout } = await run(
    bin,
    ['check', '--config', join(installed, 'config', 'example.yaml')],
    {
      cwd: work,
      env,
    },
  );
  t.match(stdout, /^upstream: http:\/\/127\.0\.0\.1:3000\/$/m);
  t.notMatch(stdout, /package-test-secret/, 'secrets masked');

  // Error messages quote the shipped example, found from the installed package's root.
  const bad = await run(bin, ['check', '--config', join(installed, 'config', 'example.yaml')], {
    cwd: work,
    env: { ...env, HELPGATE_SECRET: 'short' },
  }).then(
    () => ({ stderr: '', code: 0 }),
    (error: { stderr: string; code: number }) => error,
  );
  t.equal(bad.code, 1);
  t.match(bad.stderr, /secret: .*\[HG_ERR_CONFIG/);
  t.match(bad.stderr, /e\.g\. secret: \$\{HELPGATE_SECRET\}/);
});

t.test(
  'installed, helpgate demo serves the shop with the beacon and stops on SIGTERM',
  async (t) => {
    const child = spawn(bin, ['demo', '--port', '0'], { cwd: work, env: userEnv() });
    t.teardown(() => {
      child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) {
            resolve(entry.url.replace('//0.0.0.0:', '//127.0.0.1:'));
          }
        }
      });
      child.once('exit', (code) =>
        reject(new Error(`helpgate demo exited with ${code}: ${stderr}`)),
      );
    });

    const page = await fetch(`${url}/`);
    t.equal(page.status, 200);
    const html = await page.text();
    const beacon = /<script src="(\/__helpgate\/beacon\.js\?v=\w+)"/.exec(html);
    t.ok(beacon, 'the page carries the beacon');
    const script = await fetch(`${url}${beacon?.[1]}`);
    t.equal(script.status, 200, 'the beacon is served from the shipped bundle');
    t.ok((await script.text()).length > 1000);

    await t.resolveMatch(
      until(() => stderr.includes('Stop with Ctrl-C')),
      true,
      'the demo prints its guide',
    );
    t.match(stderr, `${url.replace('127.0.0.1', 'localhost')}/__helpgate/console`);
    t.match(stderr, 'log in as Alice with the token demo-token-alice-0123456789');
    t.match(stderr, '/__helpgate/console/supervisor');
    const alice = await fetch(`${url}/__helpgate/api/agents/alice`, {
      headers: { authorization: 'Bearer demo-admin-token-change-me' },
    });
    t.match(await alice.json(), { status: 'available' }, 'alice is available from the start');

    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    t.equal(await exit, 0, 'exits 0 on SIGTERM');
  },
);

/** Resolves true once `condition` holds (checked every 20 ms), false after 10 s. */
async function until(condition: () => boolean): Promise<boolean> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
