// Claim 8: the forms the customer fills in show errors of significance.
import t from 'tap';
import { sessionView, startSite } from './_visitor.js';

t.test('claim 8: errors in the forms the customer fills in offer help', async (t) => {
  const site = await startSite(t, {
    triggers: [{ name: 'form-trouble', pages: ['/checkout/**'], when: { formErrors: 2 } }],
  });
  const visitor = site.visitor();
  await visitor.open('/checkout/pay');
  const email = { field: 'email', message: 'Please enter an email address.' };
  const card = { field: 'card-number', message: 'Card number is invalid' };
  site.clock.advance(5_000);
  t.equal((await visitor.beat({ errors: [email] })).offer, null, 'one field with an error');
  site.clock.advance(5_000);
  t.equal((await visitor.beat({ errors: [email, email] })).offer, null, 'the same field twice');
  site.clock.advance(5_000);
  const reply = await visitor.beat({ errors: [card] });
  t.same(
    reply.offer?.reasons,
    ['2 form errors: email, card-number'],
    'fields with errors on this page view accumulate',
  );
  t.same((await sessionView(site, visitor.sid)).page?.errors, ['email', 'card-number']);
});

t.test('claim 8: a page re-rendered with errors after a POST counts as well', async (t) => {
  const site = await startSite(t, {
    triggers: [{ name: 'form-trouble', when: { formErrors: 1 } }],
  });
  const visitor = site.visitor();
  await visitor.open('/signup');
  t.equal((await visitor.beat()).offer, null);
  await visitor.open('/signup');
  const reply = await visitor.beat({ errors: [{ field: 'password', message: 'Too short' }] });
  t.same(reply.offer?.reasons, ['1 form error: password']);
});
