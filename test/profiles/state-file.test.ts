// The state file's saves: a write that fails keeps the change for the next flush, and
// sections written by another version are kept.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../src/logger.js';
import { createStateFile } from '../../src/profiles/state-file.js';

t.test('a failed save loses nothing: the change is written by the next flush', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hg-state-'));
  const file = join(dir, 'missing', 'state.json');
  const state = createStateFile(file, { logger: silentLogger(), debounceMs: 10_000 });
  let value = 1;
  state.register('learning', () => ({ value }));
  value = 2;
  state.changed();
  await state.flush();
  t.notOk(existsSync(file), 'the folder is missing: nothing written, nothing thrown');
  mkdirSync(join(dir, 'missing'));
  await state.flush();
  t.same(JSON.parse(readFileSync(file, 'utf8')), { learning: { value: 2 } });
});

t.test('sections this version does not know are kept as they were', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hg-state-'));
  const file = join(dir, 'state.json');
  writeFileSync(file, JSON.stringify({ newer: { x: 1 }, profiles: { old: true } }));
  const state = createStateFile(file, { logger: silentLogger(), debounceMs: 10_000 });
  t.same(state.read('profiles'), { old: true });
  state.register('profiles', () => ({ fresh: true }));
  state.changed();
  await state.flush();
  t.same(JSON.parse(readFileSync(file, 'utf8')), { newer: { x: 1 }, profiles: { fresh: true } });
});

t.test('with no file nothing is read or written', async (t) => {
  const state = createStateFile(null, { logger: silentLogger() });
  state.register('profiles', () => ({}));
  state.changed();
  await state.flush();
  t.equal(state.read('profiles'), undefined);
});
