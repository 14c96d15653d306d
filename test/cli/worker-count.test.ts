// `workers` (DESIGN.md): how many processes `start` runs, and the config checks around it.
import t from 'tap';
import { restartOnlyChanges } from '../../src/cli/restart-only-changes.js';
import { workerCount } from '../../src/cli/worker-count.js';
import { configWarnings } from '../../src/config/config-warnings.js';
import { ConfigError, type ConfigProblem, parseConfigText } from '../../src/config/load-config.js';

const BASE = 'upstream: http://127.0.0.1:3000\nsecret: 0123456789abcdef0123\n';
const REDIS = 'store: { kind: redis, url: "redis://127.0.0.1:6379" }\n';

const load = (text: string) => parseConfigText(text, 'helpgate.yaml', { env: {} }).config;

function problemsOf(text: string): ConfigProblem[] {
  try {
    parseConfigText(text, 'helpgate.yaml', { env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

t.test('workers defaults to 1: one process, no primary', async (t) => {
  const config = load(BASE);
  t.equal(config.workers, 1);
  t.equal(workerCount(config, 16), 1);
});

t.test('an explicit count runs that many workers; auto is one per CPU on Redis', async (t) => {
  t.equal(workerCount(load(`${BASE}${REDIS}workers: 3\n`), 16), 3);
  t.equal(workerCount(load(`${BASE}${REDIS}workers: auto\n`), 16), 16);
  t.equal(workerCount(load(`${BASE}${REDIS}workers: auto\n`), 1), 1);
});

// Split state: two workers on the memory store would each keep their own agents and queue, so
// a visitor could be promised a slot another worker had already given away.
t.test(
  'split-state config: workers above 1 on the memory store is an error at the key',
  async (t) => {
    const problems = problemsOf(`${BASE}store: { kind: memory }\nworkers: 4\n`);
    t.equal(problems.length, 1);
    const [problem] = problems;
    t.match(problem, {
      code: 'HG_ERR_CONFIG_INVALID',
      file: 'helpgate.yaml',
      keyPath: 'workers',
      line: 4,
      column: 10,
      example: 'workers: 1',
    });
    t.match(problem?.message, /^4 worker processes need store.kind redis/);
    t.equal(problemsOf(`${BASE}workers: 2\n`)[0]?.keyPath, 'workers', 'the default store too');
  },
);

t.test('auto on the memory store runs one process and check warns', async (t) => {
  const config = load(`${BASE}workers: auto\n`);
  t.equal(workerCount(config, 16), 1);
  const about = (warnings: string[]) => warnings.filter((w) => w.startsWith('workers'));
  t.match(about(configWarnings(config)), [/workers is "auto" but store.kind is "memory"/]);
  t.same(about(configWarnings(load(`${BASE}${REDIS}workers: auto\n`))), []);
});

t.test('a count out of bounds or not a number is refused', async (t) => {
  t.equal(problemsOf(`${BASE}${REDIS}workers: 0\n`)[0]?.keyPath, 'workers');
  t.equal(problemsOf(`${BASE}${REDIS}workers: 257\n`)[0]?.keyPath, 'workers');
  t.equal(problemsOf(`${BASE}${REDIS}workers: many\n`)[0]?.keyPath, 'workers');
  t.equal(problemsOf(`${BASE}${REDIS}workers: 1.5\n`)[0]?.keyPath, 'workers');
});

t.test('a reload that changes workers says a restart is needed', async (t) => {
  const running = load(`${BASE}${REDIS}workers: 2\n`);
  t.same(restartOnlyChanges(running, load(`${BASE}${REDIS}workers: 4\n`)), ['workers']);
  t.same(restartOnlyChanges(running, load(`${BASE}${REDIS}workers: 2\n`)), []);
});
