// console.js is the agent's whole console: it keeps to its budget (STYLE.md) and runs under
// the console page's policy (no eval, no inline code).
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { installedConsole } from '../../../src/api/beacon-asset.js';

/** STYLE.md's budget for console.js, gzipped. */
const CONSOLE_BUDGET_BYTES = 60 * 1024;

t.test('console.js stays within 60 KB gzipped', async (t) => {
  const bundle = installedConsole();
  const gzipped = gzipSync(bundle.body, { level: 9 }).length;
  t.ok(
    gzipped <= CONSOLE_BUDGET_BYTES,
    `${gzipped} bytes gzipped (budget ${CONSOLE_BUDGET_BYTES})`,
  );
  t.comment(`console.js: ${bundle.body.length} bytes, ${gzipped} gzipped`);
});

t.test('console.js uses no eval, no inline code, no console output', async (t) => {
  t.notMatch(installedConsole().body.toString('utf8'), /\beval\s*\(|new Function|\bconsole\./);
});
