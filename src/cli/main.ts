/**
 * The command line (DESIGN.md, "Contract: command line"). Parses argv, loads the config,
 * listens and handles signals; everything else lives in the factory.
 * Exit codes: 0 success, 1 invalid config or failed start, 2 bad usage.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { configWarnings } from '../config/config-warnings.js';
import { formatConfigErrors } from '../config/format-config-errors.js';
import { ConfigError, type ConfigOverrides, loadConfig } from '../config/load-config.js';
import { maskSecrets } from '../config/mask-secrets.js';
import { startDemoShop } from '../demo/shop.js';
import { createLogger, type Logger } from '../logger.js';
import { type GroupMetrics, groupMetrics } from '../metrics/group-metrics.js';
import { createMetrics } from '../metrics/metrics.js';
import { parseHandleTimeModel } from '../simulate/handle-time-model.js';
import { TrafficFileError } from '../simulate/read-traffic-file.js';
import { packageFile } from '../util/package-root.js';
import { restartOnlyChanges } from './restart-only-changes.js';
import { type ListeningMessage, runPrimary } from './run-primary.js';
import { startServer } from './server.js';
import { formatFigures, runSimulations, type SimulateRequest } from './simulate-command.js';
import { workerCount } from './worker-count.js';
import { readWorkerEnvironment, withPinnedSettings } from './worker-environment.js';

export const USAGE = `helpgate — proactive human help in front of an unmodified website

Usage:
  helpgate [start] --config <file.yaml> [--upstream <url>] [--port <n>] [--host <addr>]
  helpgate check --config <file.yaml>   validate; print the resolved config or every error
  helpgate demo [--port <n>]            run the bundled demo shop behind helpgate
  helpgate simulate --config <file.yaml> [--visitors N] [--hours H]
                    [--handle-times constant|exponential|lognormal:cv=X] [--seed N]
                    [--traffic file.jsonl] [--compare other.yaml] [--json]
                                        run the real decision code on a virtual clock and report
  helpgate --help | --version

Exit codes: 0 success, 1 invalid config or failed start, 2 bad usage.
`;

class UsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Runs the CLI; resolves with the exit code once a one-shot command ends (a server never). */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number | undefined> {
  let command: ParsedCommand;
  try {
    command = parseCommand(argv);
  } catch (error) {
    io.err(`helpgate: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  switch (command.name) {
    case 'help':
      io.out(USAGE);
      return 0;
    case 'version':
      io.out(`${version()}\n`);
      return 0;
    case 'check':
      return check(command.config, command.overrides, io);
    case 'start':
      return start(command.config, command.overrides, io);
    case 'demo':
      return demo(command.port, io);
    case 'simulate':
      return simulateCommand(command.request, io);
  }
}

type ParsedCommand =
  | { name: 'help' | 'version' }
  | { name: 'check' | 'start'; config: string; overrides: ConfigOverrides }
  | { name: 'demo'; port: number | undefined }
  | { name: 'simulate'; request: SimulateRequest };

/** The flags only `simulate` takes. */
const SIMULATE_FLAGS = [
  'visitors',
  'hours',
  'handle-times',
  'seed',
  'traffic',
  'compare',
  'json',
] as const;

function parseCommand(argv: readonly string[]): ParsedCommand {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: {
          config: { type: 'string', short: 'c' },
          upstream: { type: 'string' },
          port: { type: 'string', short: 'p' },
          host: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
          version: { type: 'boolean', short: 'v' },
          visitors: { type: 'string' },
          hours: { type: 'string' },
          'handle-times': { type: 'string' },
          seed: { type: 'string' },
          traffic: { type: 'string' },
          compare: { type: 'string' },
          json: { type: 'boolean' },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  if (values.help) return { name: 'help' };
  if (values.version) return { name: 'version' };
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const name = positionals[0] ?? 'start';
  const port = values.port === undefined ? undefined : parsePort(values.port);
  if (name !== 'simulate') {
    for (const flag of SIMULATE_FLAGS) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for simulate only`);
    }
  } else {
    for (const flag of ['upstream', 'port', 'host'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`simulate does not take --${flag}`);
    }
    if (values.config === undefined) throw new UsageError('simulate needs --config <file.yaml>');
    let handleTimes: SimulateRequest['handleTimes'];
    try {
      handleTimes = parseHandleTimeModel(values['handle-times'] ?? 'exponential');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return {
      name,
      request: {
        config: values.config,
        compare: values.compare,
        visitors: parseCount('--visitors', values.visitors ?? '1000', 1, 1_000_000),
        hours: parseHours(values.hours ?? '1'),
        handleTimes,
        seed: parseCount('--seed', values.seed ?? '1', 0, 2 ** 32 - 1),
        traffic: values.traffic,
        json: values.json ?? false,
      },
    };
  }

  if (name === 'demo') {
    for (const flag of ['config', 'upstream', 'host'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`demo does not take --${flag}`);
    }
    return { name, port };
  }
  if (name !== 'start' && name !== 'check') throw new UsageError(`unknown command "${name}"`);
  if (values.config === undefined) throw new UsageError(`${name} needs --config <file.yaml>`);
  const overrides: ConfigOverrides = {};
  if (values.upstream !== undefined) overrides.upstream = values.upstream;
  if (port !== undefined) overrides.port = port;
  if (values.host !== undefined) overrides.host = values.host;
  return { name, config: values.config, overrides };
}

function parseCount(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function parseHours(text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0 || value > 24) {
    throw new UsageError(`--hours must be a number above 0, at most 24, got "${text}"`);
  }
  return value;
}

async function simulateCommand(request: SimulateRequest, io: Io): Promise<number> {
  try {
    const { names, figures } = await runSimulations(request);
    io.out(request.json ? `${JSON.stringify(figures)}\n` : formatFigures(names, figures, request));
    return 0;
  } catch (error) {
    if (error instanceof TrafficFileError) {
      io.err(`helpgate: ${error.message}\n`);
      return 1;
    }
    return reportConfigError(error, io);
  }
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535, got "${text}"`);
  }
  return port;
}

async function check(file: string, overrides: ConfigOverrides, io: Io): Promise<number> {
  try {
    const loaded = await loadConfig(file, { overrides });
    for (const warning of [...loaded.warnings, ...configWarnings(loaded.config)]) {
      io.err(`warning: ${warning}\n`);
    }
    io.out(stringify(maskSecrets(loaded.config)));
    return 0;
  } catch (error) {
    return reportConfigError(error, io);
  }
}

async function start(
  file: string,
  overrides: ConfigOverrides,
  io: Io,
): Promise<number | undefined> {
  if (cluster.isWorker) {
    const code = await startWorker(file, overrides, io);
    // The IPC channel to the primary would keep a worker that cannot start alive.
    if (code !== undefined) process.exit(code);
    return undefined;
  }
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(file, { overrides });
  } catch (error) {
    return reportConfigError(error, io);
  }
  const logger = createLogger(loaded.config.log.level);
  for (const warning of [...loaded.warnings, ...configWarnings(loaded.config)]) {
    logger.warn({ file }, warning);
  }
  const count = workerCount(loaded.config);
  if (count > 1) return runPrimary({ config: loaded.config, count, logger, err: io.err });
  return serve(
    loaded.config,
    logger,
    io,
    async () => (await loadConfig(file, { overrides })).config,
  );
}

/**
 * `start` in a worker process forked by the primary ({@link runPrimary}): serves as one
 * process would, with the group's restart-only settings, its metrics pooled with the other
 * workers', and its listening reported to the primary instead of logged.
 */
async function startWorker(
  file: string,
  overrides: ConfigOverrides,
  io: Io,
): Promise<number | undefined> {
  const { slot, pinned } = readWorkerEnvironment();
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(file, { overrides });
  } catch (error) {
    return reportConfigError(error, io);
  }
  const config = withPinnedSettings(loaded.config, pinned);
  // The slot tells the workers' lines apart (a replacement takes its predecessor's).
  const logger = createLogger(config.log.level).child({ worker: slot });
  for (const key of restartOnlyChanges(config, loaded.config)) {
    logger.warn({ key }, `${key} changed; restart to apply`);
  }
  const metrics = groupMetrics(createMetrics(), { slot });
  const reread = async () => (await loadConfig(file, { overrides })).config;
  return serve(config, logger, io, reread, undefined, metrics);
}

async function demo(port: number | undefined, io: Io): Promise<number | undefined> {
  const shop = await startDemoShop(0, '127.0.0.1');
  const file = packageFile('config', 'demo.yaml');
  const overrides: ConfigOverrides = { upstream: shop.url };
  if (port !== undefined) overrides.port = port;
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(file, { overrides });
  } catch (error) {
    await shop.close();
    return reportConfigError(error, io);
  }
  const logger = createLogger(loaded.config.log.level);
  const code = await serve(loaded.config, logger, io, undefined, async (listening) => {
    // A wildcard bind address is no place to browse to; the loopback name is.
    const url = listening.replace(/\/\/(0\.0\.0\.0|\[::\])/, '//localhost');
    const available = await makeDemoAgentAvailable(url, loaded.config);
    io.err(demoGuide(url, shop.url, loaded.config, available));
  });
  if (code !== undefined) await shop.close();
  else process.once('exit', () => shop.server.close());
  return code;
}

/** What `helpgate demo` prints: where to look, and the five steps of the walk-through. */
function demoGuide(
  url: string,
  shopUrl: string,
  config: Awaited<ReturnType<typeof loadConfig>>['config'],
  available: string | null,
): string {
  const agent = config.agents.list.find((a) => a.id === available);
  const others = config.agents.list
    .filter((a) => a !== agent)
    .map((a) => `${a.id} (token ${a.token})`)
    .join(', ');
  const lines = [
    '',
    `helpgate demo: the demo shop, behind helpgate:  ${url}/`,
    `The shop itself (compare the two): ${shopUrl}/`,
    `The agent console:                 ${url}${config.prefix}console`,
  ];
  if (agent) {
    lines.push(
      `  log in as ${agent.name ?? agent.id} with the token ${agent.token}`,
      `  (${agent.id} is available from the start, so help can be offered before the console is open)`,
    );
  }
  if (others) lines.push(`  other demo agents: ${others}`);
  if (config.admin.token) {
    lines.push(
      `The supervisor's charts:           ${url}${config.prefix}console/supervisor`,
      `  log in with the admin token ${config.admin.token}`,
    );
  }
  lines.push(
    '',
    'Try it: open the shop; open the console in a second window and log in; put something in the',
    'cart and stay on the checkout for 45 s (or submit it with two mistakes); accept the help; chat.',
    'Each form of the HELP option has a product page: stay 10 s on the Brass Desk Lamp (button),',
    'the Enamel Coffee Pot (help screen), the Wool Picnic Blanket (audio) or the Fountain Pen',
    'Starter Set (video).',
    'Stop with Ctrl-C.',
    '',
    '',
  );
  return lines.join('\n');
}

/**
 * Agents start away; the demo makes its first agent available through `api/agents/{id}`, as a
 * contact-centre system would, so the demo shop can show an offer. Returns the agent's id.
 */
async function makeDemoAgentAvailable(
  url: string,
  config: Awaited<ReturnType<typeof loadConfig>>['config'],
): Promise<string | null> {
  const agent = config.agents.list[0];
  if (agent === undefined || config.admin.token === null) return null;
  try {
    const res = await fetch(`${url}${config.prefix}api/agents/${encodeURIComponent(agent.id)}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${config.admin.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ status: 'available' }),
    });
    return res.ok ? agent.id : null;
  } catch {
    return null;
  }
}

/**
 * Listens, logs the contract's `"msg":"listening"` line and wires the signals: SIGTERM/SIGINT
 * shut down gracefully (exit 0), SIGHUP reloads the config and TLS files. In a worker process
 * (`worker`, its metrics), the primary is told instead and logs the line for the group.
 */
async function serve(
  config: Awaited<ReturnType<typeof loadConfig>>['config'],
  logger: Logger,
  io: Io,
  reread: (() => Promise<typeof config>) | undefined,
  onListening?: (url: string) => Promise<void>,
  worker?: GroupMetrics,
): Promise<number | undefined> {
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(config, { logger, ...(worker && { metrics: worker }) });
  } catch (error) {
    io.err(`helpgate: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  if (worker) running.server.on('request', () => worker.requestAnswered());
  // Signals are wired before the listening line: an orchestrator may send SIGTERM as soon as
  // it reads it, and before a listener exists the signal kills the process outright.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running
      .close()
      .then(() => {
        logger.info({}, 'stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  // A worker may get each signal twice, from its primary and from whoever signalled the whole
  // process group (systemd's stop, Ctrl-C): the second must not end it mid-shutdown.
  const listen = worker ? 'on' : 'once';
  process[listen]('SIGTERM', stop);
  process[listen]('SIGINT', stop);
  process.on('SIGHUP', () => {
    if (reread === undefined) return;
    reread()
      .then((next) => running.reload(next))
      .then(() => logger.info({}, 'config reloaded'))
      .catch((error: unknown) => {
        const detail = error instanceof ConfigError ? formatConfigErrors(error) : String(error);
        logger.error({ detail }, 'config reload failed; keeping the previous config');
      });
  });
  if (worker) {
    process.send?.({ type: 'helpgate:listening', url: running.url } satisfies ListeningMessage);
    return undefined;
  }
  // The listening line is part of the contract at every log level, so it bypasses the level.
  createLogger('info').info({ url: running.url, upstream: config.upstream.origin }, 'listening');
  await onListening?.(running.url);

  return undefined;
}

function reportConfigError(error: unknown, io: Io): number {
  if (error instanceof ConfigError) {
    io.err(formatConfigErrors(error));
    return 1;
  }
  io.err(`helpgate: ${(error as Error).message ?? String(error)}\n`);
  return 1;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
