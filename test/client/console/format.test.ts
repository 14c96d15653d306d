// How the console words durations, promises, profiles, the title and the `/` of canned replies.
import t from 'tap';
import {
  formatPromise,
  formatReturns,
  formatSeconds,
  profileEntries,
  secondsSince,
  slashWordAt,
  titleFor,
} from '../../../src/client/console/format.js';

t.test('durations', async (t) => {
  t.equal(formatSeconds(0), '0 s');
  t.equal(formatSeconds(59.6), '1 min 00 s');
  t.equal(formatSeconds(185), '3 min 05 s');
  t.equal(formatSeconds(3_720), '1 h 02 min');
  t.equal(formatSeconds(null), 'unknown');
  t.equal(secondsSince('2026-01-01T00:00:00.000Z', Date.parse('2026-01-01T00:01:30.000Z')), 90);
  t.equal(secondsSince('2026-01-01T00:00:10.000Z', Date.parse('2026-01-01T00:00:00.000Z')), 0);
});

t.test('promises, returns, profiles and the title', async (t) => {
  t.equal(formatPromise(120), 'promised 2 min 00 s');
  t.equal(formatPromise(null), 'no wait promised');
  t.equal(formatReturns(0), 'first view of this page');
  t.equal(formatReturns(2), '2 earlier views of this page');
  t.same(profileEntries({ tier: 'gold', orders: 3, vip: true }), [
    ['tier', 'gold'],
    ['orders', '3'],
    ['vip', 'true'],
  ]);
  t.same(profileEntries(null), []);
  t.equal(titleFor(0), 'helpgate console');
  t.equal(titleFor(3), '(3) helpgate console');
});

t.test('the canned-reply word at the cursor', async (t) => {
  t.same(slashWordAt('/hel', 4), { start: 0, word: 'hel' });
  t.same(slashWordAt('Sure. /ca', 9), { start: 6, word: 'ca' });
  t.same(slashWordAt('/', 1), { start: 0, word: '' });
  t.equal(slashWordAt('and/or', 6), null, 'a slash inside a word is just a slash');
  t.equal(slashWordAt('/hello there', 12), null, 'only where the cursor ends the word');
});
