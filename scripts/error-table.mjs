// Prints the error-code table of docs/contract.md from the catalogue: `node scripts/error-table.mjs`
// after `npm run build`. The test in test/errors.test.ts keeps it complete.
import { ERRORS } from '../dist/src/errors.js';

process.stdout.write('| code | HTTP | meaning |\n|---|---|---|\n');
for (const [code, spec] of Object.entries(ERRORS)) {
  const message = spec.message.replace(/\{(\w+)\}/g, '<$1>');
  process.stdout.write(`| \`${code}\` | ${spec.status ?? '—'} | ${message} |\n`);
}
