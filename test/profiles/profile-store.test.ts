import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../src/logger.js';
import { createProfileStore } from '../../src/profiles/profile-store.js';
import { createStateFile } from '../../src/profiles/state-file.js';

const logger = silentLogger();

function open(file: string | null) {
  return createProfileStore({ state: createStateFile(file, { logger }), logger });
}

t.test('profiles survive a restart through the state file', async (t) => {
  const file = join(t.testdir(), 'state.json');
  const first = open(file);
  await first.put('c-1', { assist: true });
  await first.put('c-2', { tier: 'gold' });
  await first.delete('c-2');
  await first.flush();
  const second = open(file);
  t.same(await second.get('c-1'), { assist: true });
  t.equal(await second.get('c-2'), undefined);
  t.same(readdirSync(t.testdirName), ['state.json'], 'no temporary file left behind');
});

t.test('the state file keeps sections other parts wrote', async (t) => {
  const file = join(t.testdir(), 'state.json');
  writeFileSync(file, JSON.stringify({ learned: { samples: [1, 2] }, profiles: {} }));
  const store = open(file);
  await store.put('c-1', { assist: true });
  await store.flush();
  t.same(JSON.parse(readFileSync(file, 'utf8')), {
    learned: { samples: [1, 2] },
    profiles: { 'c-1': { assist: true } },
  });
});

t.test('a corrupt state file is moved aside and the start goes on', async (t) => {
  const dir = t.testdir({ 'state.json': '{"profiles": {"c-1": ' });
  const store = open(join(dir, 'state.json'));
  t.equal(store.size(), 0);
  t.equal(readFileSync(join(dir, 'state.json.corrupt'), 'utf8'), '{"profiles": {"c-1": ');
});

t.test('with state.file null nothing is written', async (t) => {
  const dir = t.testdir();
  const store = open(null);
  await store.put('c-1', { assist: true });
  await store.flush();
  t.same(readdirSync(dir), []);
  t.same(await store.get('c-1'), { assist: true });
});

// Bounds, copies and merges: the contract suite in profile-store-contract.test.ts runs them on
// both stores.
