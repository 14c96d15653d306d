// Micro-benchmark of the rewrite step alone (no HTTP), on the ~150 KB page of the HTTP bench
// with its five strip selectors and the script tag: helpgate's byte-splicing rewriter (whole
// page and in 16 KiB chunks), its tokenizer alone (the floor under the rewriter: tokens found,
// no tree built, nothing matched or written), then the reference rows — lol-html (wasm),
// cheerio load/remove/append/serialize, and a plain splice of the tag before `</head>` (the
// ceiling: no parsing at all). Reports MB/s, the median of several timed rounds.
//
// Run after `npm run build`:  node bench/rewrite-step.mjs [--json]
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cheerio from 'cheerio';
import { BEACON_TAG, STRIP, shopPage } from './fixtures.mjs';
import { createBenchRewriter, tokenizeOnly } from './helpgate-rewriter.mjs';
import { median } from './load.mjs';
import { createLolHtmlRewriter } from './lol-html.mjs';

const page = Buffer.from(shopPage());
const CHUNK = 16 * 1024;
const ROUNDS = 5;
const ROUND_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 1);

function helpgate(chunkSize) {
  const rewriter = createBenchRewriter();
  const out = [];
  for (let i = 0; i < page.length; i += chunkSize) {
    out.push(...rewriter.write(page.subarray(i, i + chunkSize)));
  }
  out.push(...rewriter.end());
  return Buffer.concat(out);
}

async function lolHtml(chunkSize) {
  const out = [];
  const rewriter = createLolHtmlRewriter((chunk) => out.push(Buffer.from(chunk)));
  try {
    for (let i = 0; i < page.length; i += chunkSize) {
      await rewriter.write(page.subarray(i, i + chunkSize));
    }
    await rewriter.end();
  } finally {
    rewriter.free();
  }
  return Buffer.concat(out);
}

function cheerioDom() {
  const $ = cheerio.load(page.toString());
  $(STRIP.join(', ')).remove();
  $('head').append(BEACON_TAG);
  return Buffer.from($.html());
}

const headEnd = Buffer.from('</head>');
const tag = Buffer.from(BEACON_TAG);
function splice() {
  const at = page.indexOf(headEnd);
  return Buffer.concat([page.subarray(0, at), tag, page.subarray(at)]);
}

/**
 * The rows, helpgate's first; `strips` says whether the row removes the help elements, and
 * `output: false` marks the one row that writes no page (so has none to check).
 */
export const ROWS = [
  { name: 'helpgate rewriter, whole page', run: () => helpgate(page.length), strips: true },
  { name: 'helpgate rewriter, 16 KiB chunks', run: () => helpgate(CHUNK), strips: true },
  {
    name: 'helpgate tokenizer alone (no tree, no output)',
    run: () => tokenizeOnly(page),
    output: false,
  },
  { name: 'lol-html (wasm), whole page', run: () => lolHtml(page.length), strips: true },
  { name: 'lol-html (wasm), 16 KiB chunks', run: () => lolHtml(CHUNK), strips: true },
  { name: 'cheerio load/remove/append/serialize', run: cheerioDom, strips: true },
  { name: 'string splice (indexOf + concat)', run: splice, strips: false },
];

/** Runs `run` repeatedly for `seconds`; returns pages per second. */
async function rate(run, seconds) {
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  let pages = 0;
  do {
    const result = run();
    if (result instanceof Promise) await result;
    pages++;
  } while (performance.now() < until);
  return pages / ((performance.now() - start) / 1000);
}

/** Checks that a row does the job (so that a fast row is not a broken one). */
async function check(row) {
  if (row.output === false) return null;
  const out = (await row.run()).toString();
  const problems = [];
  // cheerio re-serializes the tag (`defer=""`), so count the script's URL.
  if (out.split('/__helpgate/beacon.js?v=1').length !== 2) {
    problems.push('the script tag is not there exactly once');
  }
  if (row.strips && /help-widget|support-chat|help-link|help-banner|data-role="help"/.test(out)) {
    problems.push('help elements are left');
  }
  return problems.join('; ') || null;
}

/** Measures every row; returns `{ name, mbps, msPerPage, problem }` in row order. */
export async function measureRewriteStep() {
  const results = [];
  for (const row of ROWS) {
    const problem = await check(row);
    await rate(row.run, Math.min(1, ROUND_SECONDS));
    const rates = [];
    for (let i = 0; i < ROUNDS; i++) rates.push(await rate(row.run, ROUND_SECONDS));
    const pagesPerSecond = median(rates);
    results.push({
      name: row.name,
      mbps: (pagesPerSecond * page.length) / 1e6,
      msPerPage: 1000 / pagesPerSecond,
      problem,
    });
  }
  return results;
}

/** The results as a Markdown table. */
export function rewriteStepTable(results) {
  return [
    `| rewrite step, ${(page.length / 1000).toFixed(0)} kB page | MB/s | ms/page | note |`,
    '|---|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.mbps.toFixed(0)} | ${r.msPerPage.toFixed(3)} | ${r.problem ? `**wrong output: ${r.problem}**` : ''} |`,
    ),
  ].join('\n');
}

if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) {
  const results = await measureRewriteStep();
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(results)}\n`);
  else process.stdout.write(`${rewriteStepTable(results)}\n`);
}
