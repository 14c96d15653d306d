import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../src/logger.js';
import { createProfileStore } from '../../src/profiles/profile-store.js';
import { recordAcceptance } from '../../src/profiles/record-acceptance.js';
import { createStateFile } from '../../src/profiles/state-file.js';

const logger = silentLogger();

function open(file: string | null, options: { maxProfiles?: number; maxBytes?: number } = {}) {
  return createProfileStore({ state: createStateFile(file, { logger }), logger, ...options });
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

t.test('bounded: past the limits the least recently written profile goes first', async (t) => {
  const store = open(null, { maxProfiles: 3 });
  for (const id of ['a', 'b', 'c']) await store.put(id, { n: id });
  await store.merge('a', { seen: true });
  await store.put('d', { n: 'd' });
  t.equal(store.size(), 3);
  t.equal(await store.get('b'), undefined, 'b was the least recently written');
  t.same(await store.get('a'), { n: 'a', seen: true });

  const bytes = open(null, { maxBytes: 100 });
  for (let i = 0; i < 10; i++) await bytes.put(`c-${i}`, { pad: 'x'.repeat(30) });
  t.ok(bytes.size() <= 2, 'the byte budget holds too');
});

t.test('a profile handed out is a copy', async (t) => {
  const store = open(null);
  await store.put('c-1', { assist: true });
  const copy = (await store.get('c-1'))!;
  copy['assist'] = false;
  t.same(await store.get('c-1'), { assist: true });
});

t.test('accepting an offer sets acceptedBefore, keeping the other fields', async (t) => {
  const store = open(null);
  await store.put('c-1', { tier: 'gold' });
  await recordAcceptance(store, 'c-1');
  await recordAcceptance(store, null);
  t.same(await store.get('c-1'), { tier: 'gold', acceptedBefore: true });
  t.equal(store.size(), 1, 'an anonymous visitor has no profile to mark');
});
