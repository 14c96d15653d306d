// Builds helpgate: the server (tsc → dist/src) and the browser code (esbuild → dist/client).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [`${root}/node_modules/typescript/bin/tsc`, '-p', `${root}/tsconfig.build.json`],
  {
    stdio: 'inherit',
  },
);
/** The options src/api/beacon-asset.ts bundles with when the build output is missing. */
const options = {
  outdir: `${root}/dist/client`,
  bundle: true,
  minify: true,
  format: 'iife',
  // Constructable stylesheets, which the widget needs on strict-CSP pages, came to Safari in
  // 16.4: every browser that runs the widget reads ES2020, which spells it smaller.
  target: ['es2020'],
  legalComments: 'none',
  logLevel: 'warning',
  // The console and the supervisor page: Preact components in TSX (STYLE.md); uPlot's
  // stylesheet adopted as text.
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.css': 'text' },
};
// chat.js first: the beacon loads it by a URL carrying its content hash.
await build({ ...options, entryPoints: { chat: `${root}/src/client/chat/chat.ts` } });
const chatHash = createHash('sha256')
  .update(readFileSync(`${root}/dist/client/chat.js`))
  .digest('hex')
  .slice(0, 12);
await build({
  ...options,
  entryPoints: { beacon: `${root}/src/client/beacon.ts` },
  define: { __HELPGATE_CHAT_VERSION__: JSON.stringify(chatHash) },
});
await build({
  ...options,
  entryPoints: { console: `${root}/src/client/console/main.tsx` },
});
await build({
  ...options,
  entryPoints: { supervisor: `${root}/src/client/supervisor/main.tsx` },
});
