// supervisor.js carries uPlot, its stylesheet, Preact and the page: it keeps to its budget
// (STYLE.md) and runs under the page's strict policy.
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { installedSupervisor } from '../../../src/api/beacon-asset.js';

/** STYLE.md's budget for supervisor.js, gzipped, uPlot and its CSS included. */
const SUPERVISOR_BUDGET_BYTES = 100 * 1024;

t.test('supervisor.js stays within 100 KB gzipped, uPlot and its CSS included', async (t) => {
  const script = installedSupervisor();
  const gzipped = gzipSync(script.body, { level: 9 }).length;
  t.ok(
    gzipped <= SUPERVISOR_BUDGET_BYTES,
    `${gzipped} bytes gzipped (budget ${SUPERVISOR_BUDGET_BYTES})`,
  );
  t.match(script.body.toString('utf8'), /\.uplot/, "uPlot's stylesheet is in it");
  t.comment(`supervisor.js: ${script.body.length} bytes, ${gzipped} gzipped`);
});

t.test('supervisor.js uses no eval, no inline code, no console', async (t) => {
  t.notMatch(installedSupervisor().body.toString('utf8'), /\beval\s*\(|new Function|\bconsole\./);
});
