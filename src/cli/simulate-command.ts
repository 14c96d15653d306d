/**
 * `helpgate simulate` (DESIGN.md, "Contract: command line"): the real decision code on a
 * virtual clock, over synthetic visitors or a `--traffic` file, for one config or two side by
 * side (`--compare`). A config written for `start` works as it is: secrets and tokens it takes
 * from the environment get placeholders, since nothing is served.
 */

import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { formatHandleTimeModel, type HandleTimeModel } from '../simulate/handle-time-model.js';
import { readTrafficFile } from '../simulate/read-traffic-file.js';
import { type SimulationFigures, simulate } from '../simulate/simulate.js';
import { syntheticTraffic } from '../simulate/synthetic-traffic.js';
import type { Traffic } from '../simulate/traffic.js';

export interface SimulateRequest {
  config: string;
  compare: string | undefined;
  visitors: number;
  hours: number;
  handleTimes: HandleTimeModel;
  seed: number;
  traffic: string | undefined;
  json: boolean;
}

/** Environment variables a config may need for secrets and tokens only. */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|KEY/i;
/** At least 16 characters, as a secret must be. */
const PLACEHOLDER = 'simulate-placeholder-0123456789';

/** The environment with placeholders for unset secret and token variables. */
function environment(): NodeJS.ProcessEnv {
  return new Proxy(process.env, {
    get(target, name) {
      const value = target[name as string];
      if (value === undefined && typeof name === 'string' && SECRET_NAME.test(name)) {
        return PLACEHOLDER;
      }
      return value;
    },
    has(target, name) {
      return name in target || (typeof name === 'string' && SECRET_NAME.test(name));
    },
  });
}

/** Loads the configs (throws `ConfigError`) and traffic (throws `TrafficFileError`), then runs. */
export async function runSimulations(request: SimulateRequest): Promise<{
  names: string[];
  figures: SimulationFigures[];
}> {
  const files = [request.config, ...(request.compare === undefined ? [] : [request.compare])];
  const configs: Config[] = [];
  for (const file of files) configs.push((await loadConfig(file, { env: environment() })).config);
  const recorded = request.traffic === undefined ? undefined : readTrafficFile(request.traffic);
  const figures: SimulationFigures[] = [];
  for (const config of configs) {
    // The first config's visitors for both: --compare runs them on the same traffic.
    const traffic: Traffic =
      recorded ??
      syntheticTraffic(configs[0]!, {
        visitors: request.visitors,
        hours: request.hours,
        seed: request.seed,
      });
    const result = await simulate(config, {
      traffic,
      hours: request.hours,
      handleTimes: request.handleTimes,
      seed: request.seed,
    });
    figures.push(result.figures);
  }
  return { names: files, figures };
}

/** The figures as a table, one column per config. */
export function formatFigures(
  names: readonly string[],
  figures: readonly SimulationFigures[],
  request: Pick<SimulateRequest, 'hours' | 'handleTimes' | 'seed' | 'traffic'>,
): string {
  const seconds = (value: number | null) => (value === null ? '—' : `${value} s`);
  const share = (value: number | null) =>
    value === null ? '—' : `${Math.round(value * 1000) / 10} %`;
  const rows: [string, (f: SimulationFigures) => string][] = [
    ['visitors', (f) => String(f.visitors)],
    ['offers fired', (f) => String(f.fired)],
    ['shown', (f) => String(f.shown)],
    ['missed for capacity', (f) => String(f.missedForCapacity)],
    ['accepted', (f) => String(f.accepted)],
    ['queued', (f) => String(f.queued)],
    ['dismissed', (f) => String(f.dismissed)],
    ['expired', (f) => String(f.expired)],
    ['wait p50', (f) => seconds(f.wait.p50)],
    ['wait p90', (f) => seconds(f.wait.p90)],
    ['wait max', (f) => seconds(f.wait.max)],
    ['promises kept', (f) => share(f.promisesKept)],
    ['agent utilisation', (f) => share(f.utilisation)],
  ];
  const header = ['', ...names];
  const body = rows.map(([label, cell]) => [label, ...figures.map(cell)]);
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ');
  const source =
    request.traffic === undefined ? `synthetic visitors, seed ${request.seed}` : request.traffic;
  return [
    `helpgate simulate: ${request.hours} h, ${source}, handle times ${formatHandleTimeModel(request.handleTimes)}`,
    '',
    line(header),
    ...body.map(line),
    '',
  ].join('\n');
}
