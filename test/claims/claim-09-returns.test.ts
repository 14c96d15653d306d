// Claim 9: the customer returns to the page more often than a predetermined number.
import t from 'tap';
import { startSite } from './_visitor.js';

t.test('claim 9: the 3rd return to a page offers help', async (t) => {
  const site = await startSite(t, {
    triggers: [{ name: 'undecided', pages: ['/products/*'], when: { returns: 3 } }],
  });
  const visitor = site.visitor();
  for (let view = 1; view <= 3; view++) {
    await visitor.open('/products/lamp');
    site.clock.advance(5_000);
    t.equal((await visitor.beat()).offer, null, `view ${view}: ${view - 1} returns`);
    await visitor.open('/products/chair');
    site.clock.advance(5_000);
    await visitor.beat();
  }
  await visitor.open('/products/lamp?colour=red');
  site.clock.advance(5_000);
  const reply = await visitor.beat();
  t.same(reply.offer?.reasons, ['3rd return to /products/lamp'], 'the query string is no new page');
});
