// One command, one run: the upstream directly and through helpgate, for a ~150 KB HTML page
// (rewritten: 5 strip selectors + beacon) and a small JSON response. Prints requests/s and
// p99 latency for each with the ratio to the direct baseline measured in the same run.
//
//   npm run bench                    # 10 s per row, 50 connections
//   BENCH_SECONDS=5 BENCH_CONNECTIONS=20 npm run bench
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { STRIP } from './fixtures.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const children = [];

/** Spawns a node process and resolves with the first JSON line it prints that has a url. */
function spawnJson(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        try {
          const entry = JSON.parse(line);
          if (entry.url) resolve({ child, url: entry.url });
        } catch {}
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

function cannon(url, headers = {}) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, headers }, (error, result) => {
      if (error) reject(error);
      else
        resolve({
          rps: result.requests.average,
          p99: result.latency.p99,
          errors: result.errors + result.non2xx,
        });
    });
  });
}

async function main() {
  const upstream = await spawnJson([join(root, 'bench/upstream.mjs')]);
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-bench-'));
  const config = join(dir, 'helpgate.yaml');
  writeFileSync(
    config,
    [
      `upstream: ${upstream.url}`,
      'secret: bench-secret-0123456789abcdef',
      'listen: { host: 127.0.0.1, port: 0 }',
      `strip: ${JSON.stringify(STRIP)}`,
      'state: { file: null }',
      'log: { level: warn }',
      '',
    ].join('\n'),
  );
  const helpgate = await spawnJson([join(root, 'bin/helpgate'), 'start', '--config', config]);

  const rows = [];
  for (const [name, path] of [
    ['HTML page, 150 KB', '/page'],
    ['JSON, small', '/data.json'],
  ]) {
    // Warm both paths (connection pools, JIT) before measuring.
    await cannon(`${upstream.url}${path}`).catch(() => {});
    const direct = await cannon(`${upstream.url}${path}`);
    await cannon(`${helpgate.url}${path}`).catch(() => {});
    const proxied = await cannon(`${helpgate.url}${path}`);
    rows.push({ name, direct, proxied });
  }

  const out = [
    `| response | direct req/s | direct p99 ms | helpgate req/s | helpgate p99 ms | ratio req/s |`,
    `|---|---:|---:|---:|---:|---:|`,
    ...rows.map(
      ({ name, direct, proxied }) =>
        `| ${name} | ${direct.rps.toFixed(0)} | ${direct.p99} | ${proxied.rps.toFixed(0)} | ${proxied.p99} | ${(proxied.rps / direct.rps).toFixed(2)}× |`,
    ),
  ];
  const errors = rows.reduce((n, r) => n + r.direct.errors + r.proxied.errors, 0);
  process.stdout.write(
    `\n${connections} connections, ${seconds} s per row, node ${process.version}\n\n${out.join('\n')}\n`,
  );
  if (errors > 0) process.stdout.write(`\n${errors} errors or non-2xx responses during the run\n`);
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
}
