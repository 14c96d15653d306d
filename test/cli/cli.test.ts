import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import t, { type Test } from 'tap';
import { packageFile } from '../../src/util/package-root.js';

const BIN = packageFile('bin', 'helpgate');
const SECRET = 'cli-test-secret-0123456789';

/** The environment of a user's shell: without the test runner's TypeScript loader hooks. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NODE_OPTIONS$|TAP|_TAPJS|TS_NODE)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: userEnv(env) });
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

function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-cli-'));
  const file = join(dir, 'helpgate.yaml');
  writeFileSync(file, text);
  return file;
}

/** Spawns `helpgate start` and resolves with the URL from its listening line. */
async function startHelpgate(
  t: Test,
  file: string,
): Promise<{ child: ChildProcess; url: string; lines: string[] }> {
  const child = spawn(process.execPath, [BIN, 'start', '--config', file], {
    env: userEnv({ HELPGATE_SECRET: SECRET }),
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const lines: string[] = [];
  let buffer = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) resolve(entry.url);
        nl = buffer.indexOf('\n');
      }
    });
    child.once('exit', (code) => reject(new Error(`helpgate exited early with ${code}`)));
  });
  return { child, url, lines };
}

async function upstreamServer(t: Test, handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('--help and --version answer and exit 0', async (t) => {
  const help = await run(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /helpgate check --config/);
  const version = await run(['--version']);
  t.equal(version.code, 0);
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

t.test('bad usage exits 2 and says what is wrong', async (t) => {
  const unknown = await run(['frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command "frobnicate"/);
  const noConfig = await run(['check']);
  t.equal(noConfig.code, 2);
  t.match(noConfig.stderr, /needs --config/);
  const badFlag = await run(['start', '--config', 'x.yaml', '--nope']);
  t.equal(badFlag.code, 2);
  const badPort = await run(['start', '--config', 'x.yaml', '--port', 'eighty']);
  t.equal(badPort.code, 2);
});

t.test('check lists every config error with file, line and column, and exits 1', async (t) => {
  const file = writeConfig(
    [
      'upstream: not a url',
      'secret: ${HELPGATE_SECRET}',
      'heartbeat:',
      '  interval: soon',
      'strip: ["a + b"]',
      'colour: blue',
      '',
    ].join('\n'),
  );
  const result = await run(['check', '--config', file], { HELPGATE_SECRET: SECRET });
  t.equal(result.code, 1);
  t.match(result.stderr, `${file}:1:`);
  t.match(result.stderr, /upstream/);
  t.match(result.stderr, `${file}:4:`);
  t.match(result.stderr, /heartbeat\.interval/);
  t.match(result.stderr, `${file}:5:`);
  t.match(result.stderr, /strip/);
  t.match(result.stderr, `${file}:6:1`);
  t.match(result.stderr, /colour/);
});

t.test('check prints the resolved config with secrets masked', async (t) => {
  const file = writeConfig(
    [
      'upstream: http://127.0.0.1:3000',
      'secret: ${HELPGATE_SECRET}',
      'admin: { token: admin-token-0123456789abcdef }',
      '',
    ].join('\n'),
  );
  const result = await run(['check', '--config', file], { HELPGATE_SECRET: SECRET });
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /upstream: http:\/\/127\.0\.0\.1:3000/);
  t.match(result.stdout, /interval: 5s/);
  t.notMatch(result.stdout, SECRET);
  t.notMatch(result.stdout, 'admin-token-0123456789abcdef');
});

t.test(
  'start logs one listening line with the real port and stops gracefully on SIGTERM',
  async (t) => {
    let release: () => void = () => {};
    const slowAnswered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const upstream = await upstreamServer(t, (req, res) => {
      if (req.url === '/slow') {
        // Holds the request open so SIGTERM arrives while it is in flight.
        release();
        setTimeout(() => res.end('finished'), 300);
        return;
      }
      res.end('ok');
    });
    const file = writeConfig(
      [
        `upstream: ${upstream}`,
        'secret: ${HELPGATE_SECRET}',
        'listen: { host: 127.0.0.1, port: 0 }',
        '',
      ].join('\n'),
    );
    const { child, url, lines } = await startHelpgate(t, file);
    t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.not(url.endsWith(':0'), true, 'the line gives the real port');
    t.equal(lines.filter((l) => l.includes('"msg":"listening"')).length, 1);

    const inFlight = fetch(`${url}/slow`).then((r) => r.text());
    await slowAnswered;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    t.equal(await inFlight, 'finished', 'the in-flight request finishes');
    const [code] = await exited;
    t.equal(code, 0);
  },
);

t.test('start with an invalid config exits 1 naming the file', async (t) => {
  const file = writeConfig('upstream: http://127.0.0.1:1\nsecret: short\n');
  const result = await run(['start', '--config', file]);
  t.equal(result.code, 1);
  t.match(result.stderr, file);
  t.match(result.stderr, /secret/);
});

/** The SHA-256 fingerprint of the certificate a TLS server presents on a new connection. */
function servedFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: hostname, port: Number(port), rejectUnauthorized: false },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

/** Resolves when helpgate's stdout shows a log line with `msg`. */
function logLine(lines: string[], child: ChildProcess, msg: string): Promise<void> {
  const seen = () => lines.some((l) => l.includes(`"msg":"${msg}"`));
  if (seen()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (!seen()) return;
      child.stdout?.off('data', check);
      resolve();
    };
    // Runs after startHelpgate's own data listener has split the chunk into lines.
    child.stdout?.on('data', () => setImmediate(check));
  });
}

t.test(
  'SIGHUP re-reads the config and the TLS files; a bad config keeps the old one',
  async (t) => {
    const upstream = await upstreamServer(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<html><head></head><body><a class="help">Help</a><i class="chat">Chat</i></body></html>',
      );
    });
    const fixtures = join(dirname(BIN), '..', 'test', 'fixtures', 'tls');
    const dir = mkdtempSync(join(tmpdir(), 'helpgate-hup-'));
    copyFileSync(join(fixtures, 'cert.pem'), join(dir, 'cert.pem'));
    copyFileSync(join(fixtures, 'key.pem'), join(dir, 'key.pem'));
    const config = (strip: string) =>
      [
        `upstream: ${upstream}`,
        'secret: ${HELPGATE_SECRET}',
        'listen: { host: 127.0.0.1, port: 0, tls: { cert: ./cert.pem, key: ./key.pem } }',
        `strip: ['${strip}']`,
        '',
      ].join('\n');
    const file = join(dir, 'helpgate.yaml');
    writeFileSync(file, config('.help'));
    const { child, url, lines } = await startHelpgate(t, file);
    t.match(url, /^https:/, 'listen.tls serves HTTPS');
    const before = await servedFingerprint(url);

    // A connection opened before the reload must survive it.
    const { hostname, port } = new URL(url);
    const keptOpen = tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false });
    await once(keptOpen, 'secureConnect');

    copyFileSync(join(fixtures, 'other-cert.pem'), join(dir, 'cert.pem'));
    copyFileSync(join(fixtures, 'other-key.pem'), join(dir, 'key.pem'));
    writeFileSync(file, config('.chat'));
    const reloaded = logLine(lines, child, 'config reloaded');
    child.kill('SIGHUP');
    await reloaded;
    t.not(await servedFingerprint(url), before, 'new connections get the new certificate');

    keptOpen.write(`GET / HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    let answer = '';
    keptOpen.on('data', (d: Buffer) => {
      answer += d.toString();
    });
    await once(keptOpen, 'end');
    t.match(answer, /^HTTP\/1\.1 200/, 'the connection from before the reload still works');
    t.match(answer, /class="help"/, 'the new strip list applies');
    t.notMatch(answer, /class="chat"/);

    writeFileSync(file, 'upstream: nowhere\n');
    const failed = logLine(lines, child, 'config reload failed; keeping the previous config');
    child.kill('SIGHUP');
    await failed;
    const fingerprint = await servedFingerprint(url);
    t.not(fingerprint, before, 'still serving with the last good config');
  },
);
