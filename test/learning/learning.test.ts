import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import { createLearning } from '../../src/learning/learning.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createStateFile } from '../../src/profiles/state-file.js';
import { testConfig } from '../fixtures/servers.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

/** A config with learned thresholds; the learned settings given replace the defaults. */
function learnedConfig(
  gate: Record<string, unknown> = {},
  expiry: Record<string, unknown> = {},
  more: Partial<ConfigInput> = {},
) {
  return testConfig({
    gate: { mode: 'within', maxWait: 'learned', learned: { minSamples: 5, ...gate } },
    offers: { expireAfter: 'learned', learnedExpiry: { minSamples: 5, ...expiry } },
    ...more,
  });
}

function seconds(...values: number[]): number[] {
  return values.map((s) => s * SECOND);
}

t.test('maxWait uses the fallback until minSamples responses exist', async (t) => {
  const learning = createLearning(
    learnedConfig({ percentile: 50, minSamples: 5, fallback: '30s', min: '1s' }),
  );
  for (const ms of seconds(10, 20, 30, 40)) learning.recordResponse(ms);
  t.equal(learning.maxWait(), 30_000, 'four samples: still the fallback');
  t.match(learning.figures(), { samples: 4, maxWaitLearned: false, maxWaitSource: 'fallback' });
  learning.recordResponse(50 * SECOND);
  t.equal(learning.maxWait(), 30_000, 'five samples: p50 of 10..50 s is 30 s, learned');
  learning.recordResponse(60 * SECOND);
  t.equal(learning.maxWait(), 30_000, 'p50 of 10..60 s is rank 3');
  learning.recordResponse(70 * SECOND);
  t.equal(learning.maxWait(), 40_000, 'p50 of 10..70 s is rank 4');
  t.match(learning.figures(), { samples: 7, maxWaitLearned: true, maxWaitSource: 'learned' });
});

t.test('maxWait is the exact configured percentile of known response times', async (t) => {
  for (const [percentile, expected] of [
    [50, 5],
    [90, 9],
    [100, 10],
    [1, 1],
  ] as const) {
    const learning = createLearning(learnedConfig({ percentile, minSamples: 10, min: '1s' }));
    // Fed out of order: the percentile is of the values, not of their arrival.
    for (const ms of seconds(7, 3, 10, 1, 9, 2, 8, 5, 4, 6)) learning.recordResponse(ms);
    t.equal(learning.maxWait(), expected * SECOND, `p${percentile} of 1..10 s`);
  }
});

t.test('the window slides: old response times drop out', async (t) => {
  const learning = createLearning(
    learnedConfig({ windowSamples: 5, minSamples: 5, min: '1s' }, { windowSamples: 5 }),
  );
  for (let i = 0; i < 5; i++) learning.recordResponse(2 * MINUTE);
  t.equal(learning.maxWait(), 2 * MINUTE, 'slow visitors at first');
  for (let i = 0; i < 4; i++) learning.recordResponse(10 * SECOND);
  t.equal(learning.maxWait(), 10 * SECOND, 'p50 of 2m + four 10s');
  learning.recordResponse(10 * SECOND);
  t.equal(learning.maxWait(), 10 * SECOND);
  t.equal(learning.figures().samples, 5, 'no more than the window is kept');
  for (let i = 0; i < 3; i++) learning.recordResponse(3 * MINUTE);
  t.equal(learning.maxWait(), 3 * MINUTE, 'three of the last five are now 3m');
});

t.test('learned maxWait is clamped to [min, max]', async (t) => {
  const fast = createLearning(learnedConfig({ min: '5s', max: '5m' }));
  for (let i = 0; i < 5; i++) fast.recordResponse(SECOND);
  t.equal(fast.maxWait(), 5 * SECOND, 'never below min');
  const slow = createLearning(learnedConfig({ min: '5s', max: '5m' }));
  for (let i = 0; i < 5; i++) slow.recordResponse(20 * MINUTE);
  t.equal(slow.maxWait(), 5 * MINUTE, 'never above max');
});

t.test('fixed durations ignore the samples', async (t) => {
  const learning = createLearning(
    testConfig({ gate: { maxWait: '45s' }, offers: { expireAfter: '2m' } }),
  );
  for (let i = 0; i < 100; i++) learning.recordResponse(7 * SECOND);
  t.equal(learning.maxWait(), 45 * SECOND);
  t.equal(learning.expireAfter(), 2 * MINUTE);
  t.match(learning.figures(), {
    samples: 100,
    maxWaitLearned: false,
    expireAfterLearned: false,
    maxWaitSource: 'fixed',
    expireAfterSource: 'fixed',
  });
});

t.test('learned expiry is percentile × factor, clamped, with its own fallback', async (t) => {
  const config = learnedConfig(
    {},
    { percentile: 90, factor: 1.5, minSamples: 10, fallback: '2m', min: '5s', max: '10m' },
  );
  const learning = createLearning(config);
  for (const ms of seconds(1, 2, 3, 4, 5, 6, 7, 8, 9)) learning.recordResponse(ms);
  t.equal(learning.expireAfter(), 2 * MINUTE, 'fallback with nine samples');
  learning.recordResponse(10 * SECOND);
  t.equal(learning.expireAfter(), 13_500, 'p90 of 1..10 s = 9 s, × 1.5');
  t.equal(learning.figures().expireAfterLearned, true);

  const short = createLearning(learnedConfig({}, { factor: 1.5, min: '30s', max: '10m' }));
  for (let i = 0; i < 5; i++) short.recordResponse(SECOND);
  t.equal(short.expireAfter(), 30 * SECOND, 'clamped up to min');
  const long = createLearning(learnedConfig({}, { factor: 3, min: '30s', max: '10m' }));
  for (let i = 0; i < 5; i++) long.recordResponse(5 * MINUTE);
  t.equal(long.expireAfter(), 10 * MINUTE, '15m clamped down to max');
});

t.test('the two thresholds use their own windows over one ring', async (t) => {
  const learning = createLearning(
    learnedConfig(
      { percentile: 100, windowSamples: 3, minSamples: 3, min: '1s' },
      { percentile: 100, factor: 1, windowSamples: 6, minSamples: 6, min: '1s' },
    ),
  );
  for (const ms of seconds(60, 50, 40, 3, 2, 1)) learning.recordResponse(ms);
  t.equal(learning.maxWait(), 3 * SECOND, 'max of the last three');
  t.equal(learning.expireAfter(), 60 * SECOND, 'max of the last six');
});

t.test(
  'average handle time: configured until 10 conversations, then the mean of the last 200',
  async (t) => {
    const learning = createLearning(testConfig({ agents: { averageHandleTime: '3m' } }));
    for (let i = 0; i < 9; i++) learning.recordHandleTime(MINUTE);
    t.equal(learning.averageHandleTime(), 3 * MINUTE, 'nine conversations: the configured figure');
    learning.recordHandleTime(11 * MINUTE);
    t.equal(learning.averageHandleTime(), 2 * MINUTE, 'mean of 9 × 1m and 11m');
    for (let i = 0; i < 200; i++) learning.recordHandleTime(4 * MINUTE);
    t.equal(learning.averageHandleTime(), 4 * MINUTE, 'only the last 200 count');
    t.equal(learning.figures().handleTimeSamples, 200);
  },
);

t.test('implausible samples are not recorded', async (t) => {
  const learning = createLearning(learnedConfig({ minSamples: 1, percentile: 100, min: '1s' }));
  learning.recordResponse(10 * SECOND);
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 * 86_400_000]) {
    learning.recordResponse(bad);
    learning.recordHandleTime(bad);
  }
  t.equal(learning.maxWait(), 10 * SECOND);
  t.match(learning.figures(), { samples: 1, handleTimeSamples: 0 });
});

t.test('a reload keeps the samples and applies the new settings', async (t) => {
  const learning = createLearning(learnedConfig({ percentile: 50, min: '1s' }));
  for (const ms of seconds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)) learning.recordResponse(ms);
  t.equal(learning.maxWait(), 5 * SECOND);
  learning.configure(learnedConfig({ percentile: 90, min: '1s' }));
  t.equal(learning.maxWait(), 9 * SECOND, 'same samples, new percentile');
  learning.configure(
    learnedConfig({ percentile: 90, min: '1s', windowSamples: 4 }, { windowSamples: 4 }),
  );
  t.equal(learning.maxWait(), 10 * SECOND, 'p90 of the newest four');
  learning.configure(learnedConfig({ percentile: 90, min: '1s', windowSamples: 500 }));
  t.equal(learning.figures().samples, 4, 'a shrunk window dropped the older samples for good');
  learning.configure(testConfig({ gate: { maxWait: '20s' } }));
  t.equal(learning.maxWait(), 20 * SECOND);
});

t.test('learned figures survive a restart through the state file', async (t) => {
  const file = join(t.testdir(), 'state.json');
  const logger = silentLogger();
  const config = learnedConfig({ percentile: 90, min: '1s' });
  const firstState = createStateFile(file, { logger });
  const learning = createLearning(config, { state: firstState });
  for (const ms of seconds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)) learning.recordResponse(ms);
  for (let i = 0; i < 10; i++) learning.recordHandleTime(2 * MINUTE);
  await firstState.flush();
  t.same(JSON.parse(readFileSync(file, 'utf8')), {
    learning: {
      responses: seconds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
      handleTimes: Array(10).fill(2 * MINUTE),
      censoredHandleTimes: [],
    },
  });

  const restarted = createLearning(config, { state: createStateFile(file, { logger }) });
  t.same(restarted.figures(), learning.figures());
  t.equal(restarted.maxWait(), 9 * SECOND);
  t.equal(restarted.averageHandleTime(), 2 * MINUTE);
});

t.test(
  'chats still running are saved as lasting at least so long, and count after a restart',
  async (t) => {
    const file = join(t.testdir(), 'state.json');
    const logger = silentLogger();
    const config = learnedConfig();
    const firstState = createStateFile(file, { logger });
    const learning = createLearning(config, { state: firstState });
    for (let i = 0; i < 10; i++) learning.recordHandleTime(MINUTE);
    t.equal(learning.handleTimes([]).mean, MINUTE, 'ten chats of a minute: a minute');
    // Two chats have run for ten minutes already: the mean cannot be a minute any more.
    const withRunning = learning.handleTimes([10 * MINUTE, 10 * MINUTE]).mean;
    t.ok(withRunning > 2 * MINUTE, `with two running for 10 min: ${withRunning / 1000} s`);
    await firstState.flush();
    t.same(JSON.parse(readFileSync(file, 'utf8')).learning.censoredHandleTimes, [
      10 * MINUTE,
      10 * MINUTE,
    ]);
    const restarted = createLearning(config, { state: createStateFile(file, { logger }) });
    t.equal(
      restarted.handleTimes([]).mean,
      withRunning,
      'a restart cut them short: they still count',
    );
  },
);

t.test('a state file from before censored handle times loads as it is', async (t) => {
  const file = join(t.testdir(), 'state.json');
  writeFileSync(
    file,
    JSON.stringify({ learning: { responses: [1000], handleTimes: Array(10).fill(MINUTE) } }),
  );
  const learning = createLearning(learnedConfig(), {
    state: createStateFile(file, { logger: silentLogger() }),
  });
  t.equal(learning.averageHandleTime(), MINUTE);
  t.equal(learning.figures().handleTimeSamples, 10);
});

t.test('every new sample schedules a save', async (t) => {
  const file = join(t.testdir(), 'state.json');
  const state = createStateFile(file, { logger: silentLogger(), debounceMs: 60_000 });
  const learning = createLearning(learnedConfig(), { state });
  learning.recordResponse(12 * SECOND);
  await state.flush();
  t.same(JSON.parse(readFileSync(file, 'utf8')).learning.responses, [12 * SECOND]);
  learning.recordHandleTime(3 * MINUTE);
  await state.flush();
  t.same(JSON.parse(readFileSync(file, 'utf8')).learning.handleTimes, [3 * MINUTE]);
});

/** A learning instance over a state file holding `section`, and the warnings it logged. */
function loadSection(t: Test, section: unknown) {
  const file = join(t.testdir(), 'state.json');
  writeFileSync(file, JSON.stringify({ learning: section }));
  const lines: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => lines.push(line) });
  const learning = createLearning(learnedConfig({ percentile: 100, min: '1s', max: '10m' }), {
    state: createStateFile(file, { logger }),
    logger,
  });
  return { learning, warnings: lines.map((line) => JSON.parse(line) as { msg: string }) };
}

t.test('a tampered state file cannot move the learned thresholds', async (t) => {
  // Attack: someone who can edit the state file plants absurd samples to force the gate shut
  // (or wide open) and the expiry to never come.
  t.test('a section that is not an object of arrays is ignored whole', async (t) => {
    for (const section of ['oops', 42, null, [1, 2, 3], { responses: 'x' }, { handleTimes: {} }]) {
      const { learning, warnings } = loadSection(t, section);
      t.match(learning.figures(), { samples: 0, handleTimeSamples: 0 }, JSON.stringify(section));
      t.equal(learning.maxWait(), 30 * SECOND, 'the fallback');
      t.equal(warnings.length, 1, 'and a warning');
    }
  });

  t.test('implausible numbers are dropped, plausible ones kept', async (t) => {
    const { learning, warnings } = loadSection(t, {
      responses: [
        -5,
        '9999999',
        null,
        1e308,
        { valueOf: 1 },
        true,
        3 * 86_400_000,
        ...seconds(4, 5, 6, 7, 8),
      ],
      handleTimes: [-1, 1e300, ...Array(10).fill(MINUTE)],
    });
    t.match(learning.figures(), { samples: 5, handleTimeSamples: 10 });
    t.equal(learning.maxWait(), 8 * SECOND, 'p100 of what was plausible');
    t.equal(learning.averageHandleTime(), MINUTE);
    t.equal(warnings.length, 1);
    t.match(warnings[0], {
      problems: ['7 implausible responses dropped', '2 implausible handleTimes dropped'],
    });
  });

  t.test('a huge array costs only the window', async (t) => {
    const responses = Array.from({ length: 300_000 }, (_, i) => (i % 1000) + 1);
    const { learning } = loadSection(t, { responses, handleTimes: [] });
    t.equal(learning.figures().samples, 500, 'the newest windowSamples kept');
  });

  t.test('a section with extra keys or a __proto__ key changes nothing else', async (t) => {
    const file = join(t.testdir(), 'state.json');
    writeFileSync(
      file,
      '{"learning":{"__proto__":{"polluted":true},"responses":[5000],"handleTimes":[],"extra":1}}',
    );
    const learning = createLearning(learnedConfig({ minSamples: 1, min: '1s' }), {
      state: createStateFile(file, { logger: silentLogger() }),
    });
    t.equal(learning.maxWait(), 5 * SECOND);
    t.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  t.test('a cleaned section is saved back clean', async (t) => {
    const file = join(t.testdir(), 'state.json');
    writeFileSync(file, JSON.stringify({ learning: { responses: [-1, 2000], handleTimes: [] } }));
    const state = createStateFile(file, { logger: silentLogger() });
    const learning = createLearning(learnedConfig(), { state });
    learning.recordResponse(3000);
    await state.flush();
    t.same(JSON.parse(readFileSync(file, 'utf8')).learning, {
      responses: [2000, 3000],
      handleTimes: [],
      censoredHandleTimes: [],
    });
  });
});
