import t from 'tap';
import { byteRange } from '../../src/util/byte-range.js';

t.test('one range of 1000 bytes: first-last, first-, and a suffix', async (t) => {
  t.same(byteRange('bytes=0-99', 1000), { kind: 'range', start: 0, end: 99 });
  t.same(byteRange('bytes=100-', 1000), { kind: 'range', start: 100, end: 999 });
  t.same(byteRange('bytes=-50', 1000), { kind: 'range', start: 950, end: 999 });
  t.same(byteRange('bytes=990-5000', 1000), { kind: 'range', start: 990, end: 999 }, 'clipped');
  t.same(byteRange('bytes=-5000', 1000), { kind: 'range', start: 0, end: 999 }, 'all of it');
  t.same(byteRange('Bytes = 5-5', 1000), { kind: 'range', start: 5, end: 5 }, 'unit any case');
});

t.test('a range that starts at or past the end is unsatisfiable', async (t) => {
  t.same(byteRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  t.same(byteRange('bytes=1000-1010', 1000), { kind: 'unsatisfiable' });
  t.same(byteRange('bytes=99999999999999999999-', 1000), { kind: 'unsatisfiable' });
  t.same(byteRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
  t.same(byteRange('bytes=0-', 0), { kind: 'unsatisfiable' }, 'an empty file has no bytes');
  t.same(byteRange('bytes=-5', 0), { kind: 'unsatisfiable' });
});

t.test('no Range, several ranges, another unit or nonsense: the whole body', async (t) => {
  for (const header of [
    undefined,
    'bytes=0-9,20-29',
    'items=0-9',
    'bytes=9-0',
    'bytes=-',
    'bytes=a-b',
    'bytes=-1-2',
    'bytes=0x10-',
    'bytes=1.5-2',
    '0-9',
  ]) {
    t.same(byteRange(header, 1000), { kind: 'whole' }, String(header));
  }
});
