import t from 'tap';
import { formatDuration, parseDuration, parseRate, parseSize } from '../../src/config/units.js';

t.test('durations read as seconds or with a unit', async (t) => {
  t.equal(parseDuration(90), 90_000);
  t.equal(parseDuration('90s'), 90_000);
  t.equal(parseDuration('5m'), 300_000);
  t.equal(parseDuration('1500ms'), 1500);
  t.equal(parseDuration('1h'), 3_600_000);
  t.equal(parseDuration('soon'), undefined);
  t.equal(parseDuration(-1), undefined);
  t.equal(formatDuration(90_000), '90s');
  t.equal(formatDuration(1500), '1500ms');
});

t.test('sizes and rates', async (t) => {
  t.equal(parseSize('8MB'), 8 * 1024 * 1024);
  t.equal(parseSize(1024), 1024);
  t.equal(parseSize('lots'), undefined);
  t.same(parseRate('2/s'), { count: 2, windowMs: 1000 });
  t.same(parseRate('100/m'), { count: 100, windowMs: 60_000 });
  t.equal(parseRate('0/s'), undefined);
});
