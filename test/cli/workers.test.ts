// `workers: 2` through the real binary (DESIGN.md, "workers"): a primary process and two
// workers sharing the port and one Redis. Which worker answered is read from the group's own
// metrics (`helpgate_worker_requests_total{worker}`) and the primary's log lines, never from
// anything added to responses for the test.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { packageFile } from '../../src/util/package-root.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { sampleValue } from '../metrics/_exposition.js';

const BIN = packageFile('bin', 'helpgate');
const METRICS_TOKEN = 'metrics-token-0123456789';
const NEW_METRICS_TOKEN = 'metrics-token-reloaded-0123';
const ADMIN_TOKEN = 'admin-token-0123456789';
/** A worker is replaced after at most the first back-off step (1 s) plus its start. */
const WAIT_MS = 30_000;

interface LogLine {
  msg: string;
  worker?: number;
  pid?: number;
  url?: string;
  workers?: number;
  signal?: string;
}

/**
 * The group's stdout as log lines, with a way to wait for the next line that matches; a wait
 * that ends with the group says what the group logged and printed on stderr.
 */
function readLog(child: ChildProcess, stderr: () => string) {
  const lines: LogLine[] = [];
  const waiters: {
    test: (line: LogLine) => boolean;
    resolve: (line: LogLine) => void;
    reject: (error: Error) => void;
  }[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, nl)) as LogLine;
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (!waiter.test(line)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.once('exit', (code) => {
    const said = lines.map((line) => `${line.worker ?? 'primary'}: ${line.msg}`).join('; ');
    for (const waiter of waiters.splice(0)) {
      waiter.reject(new Error(`helpgate exited (${code}) after: ${said} ${stderr()}`));
    }
  });
  return {
    lines,
    /** The first line from now on that passes `test`. */
    next(test: (line: LogLine) => boolean, what: string): Promise<LogLine> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${what}" line`)), WAIT_MS);
        waiters.push({
          test,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
      });
    },
  };
}

/** One GET on a connection of its own, so the primary hands each to the next worker. */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(url, { agent: false, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const scrape = async (url: string, token = METRICS_TOKEN) =>
  get(`${url}/__helpgate/metrics`, { authorization: `Bearer ${token}` });

/** The test's environment without the test runner's own hooks. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NODE_OPTIONS$|TAP|_TAPJS|TS_NODE)/.test(key)) env[key] = value;
  }
  return env;
}

/** A site behind helpgate: one plain page. */
async function startUpstream(t: Test): Promise<string> {
  const upstream = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><head></head><body><p>shop</p></body></html>');
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.teardown(() => upstream.close());
  return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}

/**
 * `helpgate start` with two workers on `redisUrl`, resolved once the group listens. With
 * `group`, the primary leads a process group of its own, so a signal can reach every process at
 * once (as systemd's default KillMode and a terminal's Ctrl-C do).
 */
async function startGroup(
  t: Test,
  options: { upstream: string; redisUrl: string; keyPrefix: string; group?: boolean },
) {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-workers-'));
  const file = join(dir, 'helpgate.yaml');
  const writeConfig = (metricsToken: string) =>
    writeFileSync(
      file,
      [
        `upstream: ${options.upstream}`,
        'secret: workers-test-secret-0123',
        'listen: { host: 127.0.0.1, port: 0 }',
        'state: { file: null }',
        // A generous store timeout: what is tested here is the signals, and on a loaded
        // machine a worker's last writes at shutdown must not fail it for a slow answer.
        `store: { kind: redis, url: "${options.redisUrl}", keyPrefix: "${options.keyPrefix}", timeout: 5s }`,
        'workers: 2',
        `metrics: { token: ${metricsToken} }`,
        `admin: { token: ${ADMIN_TOKEN} }`,
        'agents: { list: [{ id: alice, token: alice-token-0123456789 }] }',
        '',
      ].join('\n'),
    );
  writeConfig(METRICS_TOKEN);
  const primary = spawn(process.execPath, [BIN, 'start', '--config', file], {
    env: childEnv(),
    detached: options.group ?? false,
  });
  let stderr = '';
  primary.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const log = readLog(primary, () => stderr);
  const exited = once(primary, 'exit') as Promise<[number | null, string | null]>;
  t.teardown(() => {
    primary.kill('SIGKILL');
  });
  const listening = await log.next((line) => line.msg === 'listening', 'listening');
  const workerPids = new Map(
    log.lines.filter((l) => l.msg === 'worker listening').map((l) => [l.worker, l.pid]),
  );
  t.teardown(() => {
    for (const pid of workerPids.values()) {
      try {
        process.kill(pid as number, 'SIGKILL');
      } catch {}
    }
  });
  return {
    primary,
    log,
    listening,
    url: listening.url as string,
    workerPids,
    exited,
    writeConfig,
    stderr: () => stderr,
  };
}

t.test('workers: 2 on Redis through the CLI', async (t) => {
  const redis = await startRedisServer(t);
  const upstream = await startUpstream(t);
  const { primary, log, listening, url, workerPids, exited, writeConfig, stderr } =
    await startGroup(t, { upstream, redisUrl: redis.url, keyPrefix: 'workers-test:' });

  await t.test('one listening line for the group, after both workers listen', async (t) => {
    t.equal(listening.workers, 2);
    t.same([...workerPids.keys()].sort(), [0, 1]);
    const pids = [...workerPids.values()];
    t.equal(new Set(pids).size, 2, 'two processes');
    t.notOk(pids.includes(primary.pid), 'neither is the primary');
  });

  await t.test('both workers serve, and a scrape at either counts both', async (t) => {
    const pages = 20;
    for (let i = 0; i < pages; i++) t.equal((await get(`${url}/`)).status, 200);
    const metrics = (await scrape(url)).body;
    const served = [0, 1].map(
      (worker) =>
        sampleValue(metrics, 'helpgate_worker_requests_total', { worker: String(worker) }) ?? 0,
    );
    t.ok(
      served.every((count) => count > 0),
      `each worker answered some (${served})`,
    );
    t.equal(
      sampleValue(metrics, 'helpgate_requests_proxied_total', { status: '200' }),
      pages,
      'every page counted once, whichever worker served it',
    );
  });

  // Every worker reads the shared agents: pooled as a sum, one available agent would show as two.
  await t.test('a gauge of shared state shows the shared figure, not one per worker', async (t) => {
    const res = await fetch(`${url}/__helpgate/api/agents/alice`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'available' }),
    });
    t.equal(res.status, 200);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const metrics = (await scrape(url)).body;
      seen.push(sampleValue(metrics, 'helpgate_agents_available') ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    t.equal(Math.max(...seen), 1, `one agent available (${seen})`);
    t.equal(seen.at(-1), 1);
  });

  await t.test('a worker killed with SIGKILL is replaced and serves again', async (t) => {
    const victim = workerPids.get(1) as number;
    const replaced = log.next((line) => line.msg === 'worker exited; replacing it', 'exited');
    const back = log.next(
      (line) => line.msg === 'worker listening' && line.worker === 1,
      'worker listening',
    );
    process.kill(victim, 'SIGKILL');
    t.match(await replaced, { worker: 1, pid: victim, signal: 'SIGKILL' });
    const replacement = await back;
    t.not(replacement.pid, victim, 'a new process');
    workerPids.set(1, replacement.pid);
    for (let i = 0; i < 20; i++) t.equal((await get(`${url}/`)).status, 200);
    const metrics = (await scrape(url)).body;
    t.ok(
      (sampleValue(metrics, 'helpgate_worker_requests_total', { worker: '1' }) ?? 0) > 0,
      'the replacement answers requests',
    );
    t.equal(
      log.lines.filter((line) => line.msg === 'listening').length,
      1,
      'still one listening line',
    );
  });

  await t.test('SIGHUP at the primary reloads every worker', async (t) => {
    writeConfig(NEW_METRICS_TOKEN);
    const reloaded = [0, 1].map((worker) =>
      log.next((line) => line.msg === 'config reloaded' && line.worker === worker, 'reloaded'),
    );
    primary.kill('SIGHUP');
    await Promise.all(reloaded);
    // Each scrape on a new connection: the primary hands them to the workers in turn.
    for (let i = 0; i < 4; i++) {
      t.equal((await scrape(url, NEW_METRICS_TOKEN)).status, 200, 'the new token');
      t.equal((await scrape(url, METRICS_TOKEN)).status, 401, 'not the old one');
    }
  });

  await t.test('SIGTERM at the primary stops every worker and exits 0', async (t) => {
    primary.kill('SIGTERM');
    const [code] = await exited;
    t.equal(code, 0, stderr());
    for (const pid of workerPids.values()) {
      t.throws(() => process.kill(pid as number, 0), { code: 'ESRCH' }, `worker ${pid} is gone`);
    }
  });
});

// systemd stops a service by signalling every process of its cgroup, and Ctrl-C reaches the
// whole foreground group: each worker gets the signal twice (directly and from its primary),
// and the second must not cut the graceful stop the first began.
t.test(
  'double signal: a signal to the whole process group still stops every worker gracefully',
  async (t) => {
    const redis = await startRedisServer(t);
    const upstream = await startUpstream(t);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const group = await startGroup(t, {
        upstream,
        redisUrl: redis.url,
        keyPrefix: `workers-${signal}:`,
        group: true,
      });
      const stopped = [0, 1].map((worker) =>
        group.log.next((line) => line.msg === 'stopped' && line.worker === worker, 'stopped'),
      );
      process.kill(-(group.primary.pid as number), signal);
      await Promise.all(stopped);
      const [code] = await group.exited;
      t.equal(code, 0, `${signal}: exit 0 ${group.stderr()}`);
    }
  },
);

t.test(
  'a group whose workers cannot listen fails the start with exit 1, and says why',
  async (t) => {
    const redis = await startRedisServer(t);
    const busy = http.createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    t.teardown(() => busy.close());
    const port = (busy.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'helpgate-workers-'));
    const file = join(dir, 'helpgate.yaml');
    writeFileSync(
      file,
      [
        'upstream: http://127.0.0.1:9',
        'secret: workers-test-secret-0123',
        `listen: { host: 127.0.0.1, port: ${port} }`,
        'state: { file: null }',
        `store: { kind: redis, url: "${redis.url}", keyPrefix: "workers-busy:" }`,
        'workers: 2',
        '',
      ].join('\n'),
    );
    const primary = spawn(process.execPath, [BIN, 'start', '--config', file], { env: childEnv() });
    t.teardown(() => {
      primary.kill('SIGKILL');
    });
    let stderr = '';
    primary.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let stdout = '';
    primary.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const [code] = await once(primary, 'exit');
    t.equal(code, 1);
    t.match(stderr, /EADDRINUSE/, 'the worker says why');
    t.match(stderr, /cannot start: worker \d exited \(code 1\) before listening/);
    t.notMatch(stdout, /"msg":"listening"/, 'no listening line');
  },
);
