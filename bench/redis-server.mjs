// What the Redis benches share: a redis-server of their own on a free loopback port (no
// persistence, its files in a temporary folder), and a helpgate connection to it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../dist/src/logger.js';
import { createRedisConnection } from '../dist/src/store/redis-connection.js';

async function freePort() {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts redis-server (`HELPGATE_REDIS_SERVER` names another binary) and resolves once it
 * accepts connections; it is killed when the bench process exits, however it ends.
 */
export async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-bench-redis-'));
  const port = await freePort();
  const child = spawn(
    process.env.HELPGATE_REDIS_SERVER ?? 'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.end() && true));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 200) throw new Error('redis-server did not start');
    await sleep(50);
  }
  return {
    pid: child.pid,
    url: `redis://127.0.0.1:${port}`,
    /** Empties it between rows. */
    async flush() {
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write('*1\r\n$8\r\nFLUSHALL\r\n');
      await once(socket, 'data');
      socket.end();
    },
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** helpgate's connection to `url` with the default key prefix, once it answers (10 s at most). */
export async function connectTo(url) {
  const connection = createRedisConnection({
    url,
    keyPrefix: 'helpgate:',
    timeoutMs: 10_000,
    logger: createLogger('silent'),
    backoff: { firstMs: 20, maxMs: 100 },
  });
  await Promise.race([
    connection.ready(),
    sleep(10_000).then(() => {
      throw new Error('no redis');
    }),
  ]);
  return connection;
}

/** A number from `INFO {section}`, e.g. `infoField(redis, 'memory', 'used_memory')`. */
export async function infoField(redis, section, field) {
  const text = await redis.info(section);
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(text)[1]);
}
