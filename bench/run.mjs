// The issue-3 benchmark, one command and one run: the upstream directly, nginx (sub_filter and
// plain proxy_pass), helpgate (passthrough, rewriting the same page, rewriting a different page
// every request) and a lol-html (wasm) reference proxy, each row measured in this run; then the
// ratios the issue's targets name, helpgate's memory over a soak, and the rewrite step alone.
// Progress goes to stderr; the Markdown report to stdout. See bench/README.md.
//
//   npm run bench                                   # builds, then runs everything
//   BENCH_SECONDS=5 BENCH_SOAK_SECONDS=20 npm run bench
//   BENCH_ROWS=helpgate-unique,lolhtml-unique npm run bench   # only these rows (see `defineRows`)
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertAlive, stopAll, stopChild, stopChildrenOnExit } from './children.mjs';
import { load, median, setting } from './load.mjs';
import { findNginx, startNginx } from './nginx.mjs';
import { processCpuSeconds } from './process-cpu.mjs';
import { memoryLine, resultsTable, targetsTable } from './report.mjs';
import { startHelpgate, startNodeScript, uniquePath } from './servers.mjs';
import { soak } from './soak.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const settings = {
  seconds: setting('BENCH_SECONDS', 10),
  warmup: setting('BENCH_WARMUP_SECONDS', 3),
  connections: setting('BENCH_CONNECTIONS', 50),
  rounds: setting('BENCH_ROUNDS', 1),
  soakSeconds: setting('BENCH_SOAK_SECONDS', 60),
};

/**
 * With `BENCH_ROWS` (comma-separated row keys, plus `memory` and `step` for the soak and the
 * rewrite step), only those run; the ratios whose rows did not run read n/a.
 */
const only = process.env.BENCH_ROWS ? new Set(process.env.BENCH_ROWS.split(',')) : null;
const wanted = (key) => only === null || only.has(key);

const SETTLE_MS = 1000;

const progress = (line) => process.stderr.write(`${line}\n`);

// ── what each row must get back (so that a fast row is not a broken one) ────────────────────

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const HELP_LEFT =
  /id="help-widget"|class="support-chat"|class="help-link"|class="help-banner"|data-role="help"/;

/** The upstream's bytes, unchanged. */
const same = (original) => (body) => (body.equals(original) ? null : 'differs from the upstream');

/** The script injected once; with `strips`, the help elements removed too. */
const rewritten =
  ({ strips }) =>
  (body) => {
    const text = body.toString();
    const scripts = text.split('/__helpgate/beacon.js').length - 1;
    if (scripts !== 1) return `the script tag is there ${scripts} times`;
    if (strips && HELP_LEFT.test(text)) return 'help elements are left';
    return null;
  };

async function checkRow(row) {
  // Twice: the second answer may come from a cache the first one filled.
  for (let i = 0; i < 2; i++) {
    const path = typeof row.path === 'string' ? row.path : row.path();
    const { status, body } = await get(`${row.server.url}${path}`);
    const problem = status === 200 ? row.check(body) : `status ${status}`;
    if (problem) return problem;
  }
  return null;
}

// ── rows ─────────────────────────────────────────────────────────────────────────────────────

/**
 * The rows in the order they run; `direct` and `nginx` name the rows each is compared with.
 * Rows whose server is missing (no nginx) are left out.
 */
function defineRows({ upstream, nginx, passthrough, helpgate, lolhtml, bare }, originals) {
  const PAGE = 'HTML page, 150 KB';
  const JSON_1KB = 'JSON, 1 KB';
  const BLOB = 'binary, 1 MB';
  const compare = { direct: 'direct-page', nginx: 'nginx-page' };
  const row = (key, response, via, server, path, check, against = {}) => ({
    key,
    response,
    via,
    server,
    path,
    check,
    ...against,
  });
  const rows = [
    row('direct-page', PAGE, 'upstream directly', upstream, '/page', same(originals.page)),
    row(
      'nginx-page',
      PAGE,
      'nginx `sub_filter` injecting the script',
      nginx,
      '/page',
      rewritten({ strips: false }),
      { direct: 'direct-page' },
    ),
    row(
      'passthrough-page',
      PAGE,
      'helpgate passthrough (rewriting off)',
      passthrough,
      '/page',
      same(originals.page),
      compare,
    ),
    row(
      'helpgate-page',
      PAGE,
      'helpgate rewriting, the same page again and again',
      helpgate,
      '/page',
      rewritten({ strips: true }),
      compare,
    ),
    row(
      'helpgate-unique',
      PAGE,
      'helpgate rewriting, a different page every request',
      helpgate,
      uniquePath,
      rewritten({ strips: true }),
      compare,
    ),
    row(
      'lolhtml-unique',
      PAGE,
      'lol-html (wasm) reference proxy, a different page every request',
      lolhtml,
      uniquePath,
      rewritten({ strips: true }),
      compare,
    ),
    row(
      'bare-unique',
      PAGE,
      "helpgate's rewriter alone in the same bare proxy as lol-html's, a different page every request",
      bare,
      uniquePath,
      rewritten({ strips: true }),
      compare,
    ),
  ];
  for (const [kind, response, path, original] of [
    ['json', JSON_1KB, '/data.json', originals.json],
    ['blob', BLOB, '/blob', originals.blob],
  ]) {
    const direct = `direct-${kind}`;
    rows.push(
      row(direct, response, 'upstream directly', upstream, path, same(original)),
      row(`nginx-${kind}`, response, 'nginx plain `proxy_pass`', nginx, path, same(original), {
        direct,
      }),
      row(
        `helpgate-${kind}`,
        response,
        'helpgate (passes non-HTML through)',
        helpgate,
        path,
        same(original),
        { direct, nginx: `nginx-${kind}` },
      ),
    );
  }
  return rows.filter((r) => r.server !== null);
}

async function measureRow(row) {
  assertAlive(row.server);
  const options = { base: row.server.url, path: row.path, connections: settings.connections };
  await load({ ...options, seconds: settings.warmup });
  const cpuBefore = processCpuSeconds(row.server.pid);
  const result = await load({ ...options, seconds: settings.seconds });
  const cpuAfter = processCpuSeconds(row.server.pid);
  // CPU milliseconds the server under test spent per request (null where /proc is unreadable).
  result.cpuMs =
    cpuBefore === null || cpuAfter === null || result.requests === 0
      ? null
      : ((cpuAfter - cpuBefore) * 1000) / result.requests;
  assertAlive(row.server);
  // Requests still in flight when the load stops are finished or dropped by now, not in the
  // next row's measurement.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return result;
}

/** Every row `settings.rounds` times, the rows alternating; the median of each figure. */
async function measureRows(rows, problems) {
  const runs = new Map(rows.map((row) => [row.key, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const row of rows) {
      if (problems.has(row.key)) continue;
      const r = await measureRow(row);
      runs.get(row.key).push(r);
      progress(
        `${settings.rounds > 1 ? `round ${round}: ` : ''}${row.response} — ${row.via}: ` +
          `${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms` +
          `${r.failures ? `, ${r.failures} failed` : ''}`,
      );
    }
  }
  const results = new Map();
  for (const row of rows) {
    if (problems.has(row.key)) {
      results.set(row.key, { problem: problems.get(row.key) });
      continue;
    }
    const list = runs.get(row.key);
    const mid = (field) => median(list.map((r) => r[field]));
    results.set(row.key, {
      rps: mid('rps'),
      p50: mid('p50'),
      p99: mid('p99'),
      max: mid('max'),
      mbps: mid('mbps'),
      cpuMs: list.some((r) => r.cpuMs === null) ? null : mid('cpuMs'),
      failures: list.reduce((n, r) => n + r.failures, 0),
      rpsByRound: list.map((r) => r.rps),
    });
  }
  return results;
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────

function nginxVersion(binary) {
  // nginx prints its version on stderr.
  const { stdout, stderr } = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  return `${stdout}${stderr}`.trim().replace(/^nginx version: /, '') || 'nginx';
}

async function main() {
  stopChildrenOnExit();
  const nginxBinary = findNginx();
  const upstream = await startNodeScript('upstream', 'bench/upstream.mjs');
  const servers = {
    upstream,
    nginx: nginxBinary ? await startNginx(nginxBinary, upstream.url) : null,
    passthrough: await startHelpgate('helpgate (passthrough)', upstream.url, { passthrough: true }),
    helpgate: await startHelpgate('helpgate (rewriting)', upstream.url),
    lolhtml: await startNodeScript(
      'lol-html reference proxy',
      'bench/reference-lolhtml-proxy.mjs',
      [upstream.url],
    ),
    bare: await startNodeScript(
      "bare proxy with helpgate's rewriter",
      'bench/reference-bare-proxy.mjs',
      [upstream.url],
    ),
  };
  if (!nginxBinary) {
    progress(
      "nginx not found (install Debian's nginx-light or nginx, or set BENCH_NGINX): " +
        'skipping the nginx rows and the ratios against nginx',
    );
  }

  const originals = {
    page: (await get(`${upstream.url}/page`)).body,
    json: (await get(`${upstream.url}/data.json`)).body,
    blob: (await get(`${upstream.url}/blob`)).body,
  };
  const rows = defineRows(servers, originals).filter((row) => wanted(row.key));
  const problems = new Map();
  for (const row of rows) {
    const problem = await checkRow(row);
    if (problem) {
      problems.set(row.key, problem);
      progress(`${row.response} — ${row.via}: wrong output (${problem}); not measured`);
    }
  }
  const results = await measureRows(rows, problems);
  for (const name of ['nginx', 'passthrough', 'helpgate', 'lolhtml', 'bare']) {
    if (servers[name]) await stopChild(servers[name]);
  }

  let memory = null;
  if (wanted('memory')) {
    progress(`memory: ${settings.soakSeconds} s run of a fresh helpgate …`);
    memory = await soak(upstream.url, {
      seconds: settings.soakSeconds,
      connections: settings.connections,
    });
    if (memory === null) progress('memory: /proc/<pid>/status is not readable here; no RSS row');
  }
  await stopAll();

  let step = null;
  let stepTable = null;
  if (wanted('step')) {
    progress('rewrite step alone …');
    // In a fresh process of its own, like every server measured above, so that nothing this
    // process did (the load generator and its heap) runs into the step's own timings.
    const run = spawnSync(process.execPath, [join(here, 'rewrite-step.mjs'), '--json'], {
      encoding: 'utf8',
    });
    if (run.status === 0) {
      const { rewriteStepTable } = await import('./rewrite-step.mjs');
      step = JSON.parse(run.stdout);
      stepTable = rewriteStepTable(step);
    } else {
      // Node prints an uncaught error as a line `SomeError: message` amid its stack; a process
      // that could not start at all has only `run.error`.
      const thrown = run.stderr?.split('\n').find((line) => /^\w*Error\b/.test(line));
      const why = thrown ?? run.error?.message ?? `exit ${run.status}`;
      progress(`rewrite step: not measured (${why}); run \`npm run build\` first`);
    }
  }

  const cores = cpus();
  const report = [
    `### helpgate benchmark, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `node ${process.version}, ${nginxBinary ? nginxVersion(nginxBinary) : 'no nginx (its rows skipped)'}, ` +
      `${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown CPU'}): the load generator ` +
      '(autocannon, in the bench process), the proxy under test and the upstream share them. ' +
      `${settings.connections} connections, ${settings.seconds} s per row after ` +
      `${settings.warmup} s of warm-up` +
      `${settings.rounds > 1 ? `, median of ${settings.rounds} rounds` : ''}.`,
    '',
    resultsTable(rows, results),
    '',
    targetsTable(results, { step, memory, connections: settings.connections }),
    ...(stepTable ? ['', stepTable] : []),
    ...(memory ? ['', memoryLine(memory)] : []),
    '',
  ];
  process.stdout.write(`\n${report.join('\n')}`);
  if (problems.size > 0) process.exitCode = 1;
}

try {
  await main();
} finally {
  await stopAll();
}
