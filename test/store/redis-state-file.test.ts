// Learned figures kept in Redis survive a restart of helpgate, as state.file keeps them with the
// memory store.
import t, { type Test } from 'tap';
import { createLearning } from '../../src/learning/learning.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import { loadRedisStateFile } from '../../src/store/redis-state-file.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { testConfig } from '../fixtures/servers.js';

const logger = silentLogger();
const redisServer = await startRedisServer(t, { appendonly: true });

async function connect(t: Test) {
  const connection = createRedisConnection({
    url: redisServer.url,
    keyPrefix: 'helpgate:',
    timeoutMs: 2_000,
    logger,
  });
  t.teardown(() => connection.close());
  await connection.ready();
  return connection;
}

t.test('learned figures come back after a restart of helpgate and of Redis', async (t) => {
  const config = testConfig({
    gate: {
      mode: 'within',
      maxWait: 'learned',
      learned: { percentile: 50, minSamples: 3, fallback: '10s', min: '5s', max: '5m' },
    },
  });
  const state = await loadRedisStateFile(await connect(t), { logger });
  const first = createLearning(config, { state, logger });
  t.equal(first.figures().maxWaitMs, 10_000, 'the fallback before any sample');
  for (const ms of [40_000, 50_000, 60_000]) first.recordResponse(ms);
  t.equal(first.maxWait(), 50_000);
  await state.flush();

  await redisServer.restart();
  const second = createLearning(config, {
    state: await loadRedisStateFile(await connect(t), { logger }),
    logger,
  });
  t.equal(second.maxWait(), 50_000, 'learned again from the saved samples');
  t.equal(second.figures().samples, 3);
});
