import type { OutgoingHttpHeaders } from 'node:http';
import t from 'tap';
import { makeSharedCacheSafe, makeUncacheable } from '../../src/util/cache-control.js';

t.test('a page that sets the visitor cookie is kept out of shared caches', async (t) => {
  const headers: OutgoingHttpHeaders = { 'cache-control': 'public, max-age=600, s-maxage=3600' };
  makeSharedCacheSafe(headers);
  t.equal(headers['cache-control'], 'private, max-age=600');

  const bare: OutgoingHttpHeaders = {};
  makeSharedCacheSafe(bare);
  t.equal(bare['cache-control'], 'private');
});

t.test('a page with an offer is stored nowhere', async (t) => {
  const headers: OutgoingHttpHeaders = { 'cache-control': 'public, max-age=600' };
  makeUncacheable(headers);
  t.equal(headers['cache-control'], 'private, no-store');
});
