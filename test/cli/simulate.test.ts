// `helpgate simulate` through the real binary: the demo config's hour of 1,000 visitors, the
// same figures as the engine gives for the same config and seed, --compare, --traffic, and the
// exit codes of the command line contract.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config/load-config.js';
import { simulate } from '../../src/simulate/simulate.js';
import { syntheticTraffic } from '../../src/simulate/synthetic-traffic.js';
import { packageFile } from '../../src/util/package-root.js';

const BIN = packageFile('bin', 'helpgate');
const DEMO = packageFile('config', 'demo.yaml');
const EXAMPLE = packageFile('config', 'example.yaml');
const TRAFFIC = packageFile('config', 'demo-traffic.jsonl');

/** The environment of a user's shell: without the test runner's hooks, without secrets. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NODE_OPTIONS$|TAP|_TAPJS|TS_NODE|HELPGATE_)/.test(key)) env[key] = value;
  }
  return env;
}

function run(
  args: string[],
  timed = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Timed: bash's `time` adds the CPU seconds the command used (user, system) to stderr.
    const command = [process.execPath, BIN, 'simulate', ...args];
    const child = timed
      ? spawn('bash', ['-c', 'TIMEFORMAT="cpu %U %S"; time "$@"', 'bash', ...command], {
          env: userEnv(),
        })
      : spawn(command[0]!, command.slice(1), { env: userEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test(
  'the demo config: an hour of 1,000 visitors in under 10 s, as the engine says',
  async (t) => {
    const started = Date.now();
    const cli = await run(['--config', DEMO, '--seed', '7', '--json'], true);
    const wall = (Date.now() - started) / 1000;
    t.equal(cli.code, 0, cli.stderr);
    const [user, system] = (/cpu ([\d.]+) ([\d.]+)/.exec(cli.stderr) ?? []).slice(1).map(Number);
    const cpu = (user ?? Number.NaN) + (system ?? Number.NaN);
    // CPU time, not wall time: the machine's two cores are shared with other test files.
    t.ok(cpu < 10, `the hour took ${cpu.toFixed(1)} s of CPU (${wall.toFixed(1)} s wall)`);
    t.comment(
      `simulate --config config/demo.yaml: ${cpu.toFixed(1)} s CPU, ${wall.toFixed(1)} s wall`,
    );
    const { config } = await loadConfig(DEMO, { env: {} });
    const direct = await simulate(config, {
      traffic: syntheticTraffic(config, { visitors: 1000, hours: 1, seed: 7 }),
      hours: 1,
      handleTimes: { kind: 'exponential' },
      seed: 7,
    });
    t.same(JSON.parse(cli.stdout), [direct.figures], 'the figures of a direct engine run');
  },
);

t.test('--compare runs both configs on the same traffic; the table names each', async (t) => {
  const json = await run(['--config', DEMO, '--compare', EXAMPLE, '--visitors', '100', '--json']);
  t.equal(json.code, 0, json.stderr);
  const figures = JSON.parse(json.stdout) as { visitors: number }[];
  t.equal(figures.length, 2);
  t.same(
    figures.map((f) => f.visitors),
    [100, 100],
  );
  // example.yaml takes its secret and tokens from the environment: simulate needs none.
  const table = await run(['--config', DEMO, '--compare', EXAMPLE, '--visitors', '100']);
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, /demo\.yaml +.*example\.yaml/);
  t.match(table.stdout, /^promises kept /m);
});

t.test('--traffic replays the sample journeys', async (t) => {
  const result = await run(['--config', DEMO, '--traffic', TRAFFIC, '--json']);
  t.equal(result.code, 0, result.stderr);
  const [figures] = JSON.parse(result.stdout) as { visitors: number; accepted: number }[];
  t.equal(figures!.visitors, 9, 'one per visitor line');
  t.ok(figures!.accepted > 0, 'the scripted answers accept');
});

t.test('a bad traffic line is named by file and line: exit 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-simulate-'));
  const file = join(dir, 'traffic.jsonl');
  writeFileSync(
    file,
    '{"visitor":{"at":0,"pages":[{"path":"/","stay":5}]}}\n{"visitor":{"at":-1}}\n',
  );
  const result = await run(['--config', DEMO, '--traffic', file]);
  t.equal(result.code, 1);
  t.match(result.stderr, `${file}:2: visitor.at`);
});

t.test('a bad config is named by file and line: exit 1; bad usage: exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-simulate-'));
  const file = join(dir, 'helpgate.yaml');
  writeFileSync(
    file,
    'upstream: http://127.0.0.1:3000\nsecret: ${HELPGATE_SECRET}\ngate:\n  confidence: 2\n',
  );
  const bad = await run(['--config', file]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, 'gate.confidence');
  t.match(bad.stderr, ':4:');
  for (const args of [
    ['--config', DEMO, '--handle-times', 'weibull'],
    ['--config', DEMO, '--visitors', 'many'],
    ['--config', DEMO, '--port', '80'],
    ['--visitors', '10'],
  ]) {
    t.equal((await run(args)).code, 2, args.join(' '));
  }
});
