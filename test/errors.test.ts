import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERRORS, HelpgateError } from '../src/errors.js';
import { packageFile } from '../src/util/package-root.js';

t.test('every error code is documented in docs/contract.md', async (t) => {
  const readme = readFileSync(packageFile('docs', 'contract.md'), 'utf8');
  for (const code of Object.keys(ERRORS)) {
    t.ok(readme.includes(`\`${code}\``), `${code} is in docs/contract.md`);
  }
});

t.test('an error reaches a client as the contract JSON with its status', async (t) => {
  const error = new HelpgateError('HG_ERR_HB_TOO_LARGE', { limit: 8192 });
  t.equal(error.status, 413);
  t.same(error.toJSON(), {
    error: { code: 'HG_ERR_HB_TOO_LARGE', message: 'the heartbeat body exceeds 8192 bytes' },
  });
});
