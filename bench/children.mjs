// The benchmark's child processes (upstream, nginx, helpgate, reference proxy): started, waited
// for until they serve, and always stopped — when the bench ends, fails or is interrupted.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';

const running = new Set();
const TAIL_BYTES = 8 * 1024;

/**
 * Starts a process in its own process group (so that stopping it also stops any workers it
 * forks, as nginx does) and resolves once it serves. `ready` is either `'listening-line'` — the
 * child prints a JSON line with `"msg":"listening"` and its `url` — or a URL to poll until it
 * accepts TCP connections. `cleanup` runs once the process is gone (e.g. to remove its temp
 * folder), also when it never started serving.
 */
export function startChild(
  name,
  command,
  args,
  { ready, env = {}, watchParent = false, cleanup = () => {} } = {},
) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env, ...(watchParent ? { BENCH_WATCH_STDIN: '1' } : {}) },
    // A child that watches its stdin exits when the bench dies without cleaning up.
    stdio: [watchParent ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let cleaned = false;
  const handle = {
    name,
    child,
    pid: child.pid,
    url: null,
    exited: false,
    output: '',
    cleanup() {
      if (!cleaned) cleanup();
      cleaned = true;
    },
  };
  running.add(handle);
  const keep = (chunk) => {
    handle.output = (handle.output + chunk).slice(-TAIL_BYTES);
  };
  child.stderr.on('data', keep);
  child.once('exit', (code, signal) => {
    handle.exited = true;
    handle.exit = signal ?? code;
    running.delete(handle);
    handle.cleanup();
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const done = (url) => {
      if (settled) return;
      settled = true;
      handle.url = url;
      resolve(handle);
    };
    child.once('error', (error) => {
      handle.exited = true;
      running.delete(handle);
      handle.cleanup();
      fail(new Error(`${name}: cannot start ${command}: ${error.message}`));
    });
    child.once('exit', (code, signal) =>
      fail(new Error(`${name} exited (${signal ?? code}) before serving:\n${handle.output}`)),
    );
    let pending = '';
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      if (ready !== 'listening-line' || settled) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'listening' && entry.url) done(entry.url);
        } catch {}
      }
    });
    if (typeof ready === 'string' && ready !== 'listening-line') {
      waitForPort(new URL(ready), 10_000).then(
        () => done(ready),
        (error) => fail(new Error(`${name}: ${error.message}\n${handle.output}`)),
      );
    }
    setTimeout(
      () => fail(new Error(`${name} did not serve within 20 s:\n${handle.output}`)),
      20_000,
    ).unref();
  });
}

/** Throws when a child has died since it started (its last output says why). */
export function assertAlive(handle) {
  if (handle.exited) throw new Error(`${handle.name} died (${handle.exit}):\n${handle.output}`);
}

/** Stops a child: SIGTERM to its process group, SIGKILL after `graceMs`. */
export async function stopChild(handle, graceMs = 5_000) {
  if (handle.exited) return;
  const exited = new Promise((resolve) => handle.child.once('exit', resolve));
  signalGroup(handle, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(handle, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Workers of a process group outlive their leader only when the leader was killed hard.
  signalGroup(handle, 'SIGKILL');
}

/** Stops every child still running. */
export async function stopAll() {
  await Promise.all([...running].map((handle) => stopChild(handle)));
}

/**
 * Makes sure no child outlives the bench: on Ctrl-C / SIGTERM the children are stopped before
 * exiting, and on any exit the ones still running are killed.
 */
export function stopChildrenOnExit() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      stopAll().finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
    });
  }
  process.once('exit', () => {
    for (const handle of running) {
      signalGroup(handle, 'SIGKILL');
      handle.cleanup();
    }
  });
}

/** For a script run as a child of the bench: exit when told to or when the bench is gone. */
export function exitWithParent() {
  process.once('SIGTERM', () => process.exit(0));
  if (process.env.BENCH_WATCH_STDIN === '1') {
    process.stdin.once('end', () => process.exit(0));
    process.stdin.resume();
  }
}

function signalGroup(handle, signal) {
  try {
    process.kill(-handle.pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitForPort(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url.host} did not accept connections`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
