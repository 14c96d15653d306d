// The learned figures of a whole helpgate survive a restart: they are saved in state.file
// beside the profiles and read again by the next instance.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  AGENTS,
  BUSY_TRIGGER,
  capacity,
  learnFrom,
  setAgent,
  startSite,
} from '../claims/_visitor.js';

t.test('learned maxWait and expiry come back after a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-learning-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = {
    state: { file: join(dir, 'state.json') },
    agents: { list: AGENTS, defaultCapacity: 3 },
    gate: {
      mode: 'within' as const,
      maxWait: 'learned',
      learned: { percentile: 50, minSamples: 3, fallback: '10s', min: '5s', max: '5m' },
    },
    offers: { expireAfter: 'learned' },
    triggers: [BUSY_TRIGGER],
  };
  const first = await startSite(t, input);
  await setAgent(first, 'alice', { status: 'available' });
  await learnFrom(first, [40_000, 50_000, 60_000]);
  const learned = await capacity(first);
  t.match(learned, { samples: 3, maxWaitSeconds: 50 });
  await first.helpgate.close();
  const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  t.same(saved.learning.responses, [40_000, 50_000, 60_000], 'saved on close');

  const second = await startSite(t, input);
  t.match(await capacity(second), {
    samples: 3,
    maxWaitSeconds: learned.maxWaitSeconds,
    expireAfterSeconds: learned.expireAfterSeconds,
  });
});
