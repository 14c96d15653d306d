// createHelpgate itself: what it refuses to build.
import t from 'tap';
import { createHelpgate } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import { testConfig } from './fixtures/servers.js';

t.test('a redis store it cannot provide is refused, not silently replaced by memory', async (t) => {
  const config = testConfig({ store: { kind: 'redis', url: 'redis://127.0.0.1:6379' } });
  t.throws(() => createHelpgate(config, { logger: silentLogger() }), {
    code: 'HG_ERR_START',
    message: /store\.kind "redis" needs the shared parts/,
  });
});
