/**
 * The beacon in real Chromium: the form errors each heartbeat reports (claim 8) — the browser's
 * own validation, server-side messages on the demo shop's re-rendered checkout, and the ways
 * other sites mark errors up — read from the requests the page sends.
 */
import t from 'tap';
import {
  assertCleanConsole,
  HB_PATH,
  launchBrowser,
  shopThroughHelpgate,
  watchedPage,
} from '../../fixtures/browser.js';
import { startHelpgate, startServer } from '../../fixtures/servers.js';

const browser = await launchBrowser(t);

t.test('HTML5 validation errors: a touched invalid field, then a refused submit', async (t) => {
  const url = await shopThroughHelpgate(t);
  const watched = await watchedPage(t, browser);
  const { page } = watched;
  await page.goto(`${url}/checkout`);

  await page.fill('#name', 'Ada Lovelace');
  const seenUntouched = watched.heartbeats.length;
  await watched.heartbeat((hb) => watched.heartbeats.indexOf(hb) >= seenUntouched);
  t.same(
    watched.heartbeats.at(-1)?.errors,
    [],
    'empty required fields nobody touched are no errors',
  );

  await page.fill('#email', 'not-an-email');
  await page.locator('#email').blur();
  const touched = await watched.heartbeat((hb) => hb.errors.length > 0);
  t.same(touched.errors, [{ field: 'email', message: 'wrong format' }], 'the email left invalid');

  await page.click('button[type=submit]');
  const refused = await watched.heartbeat((hb) => hb.errors.length > 1);
  t.same(
    refused.errors.map((e) => e.field).sort(),
    ['address', 'card-number', 'email', 'expiry', 'postcode'],
    'every field the browser refused, once each, the filled-in name not among them',
  );
  t.match(
    refused.errors.find((e) => e.field === 'postcode'),
    { message: 'required' },
  );
  t.equal(refused.path, '/checkout', 'still the same page: the browser kept the form');

  // Threat: a signal leaking what the visitor typed (the browser's own validation message
  // quotes the value).
  t.notMatch(JSON.stringify(watched.heartbeats), /not-an-email|Ada Lovelace/, 'no values sent');
  await assertCleanConsole(t, watched);
});

t.test('server-side errors on the re-rendered page are reported with their fields', async (t) => {
  const url = await shopThroughHelpgate(t);
  const watched = await watchedPage(t, browser);
  const { page } = watched;
  await page.goto(`${url}/checkout?novalidate=1`);
  await page.fill('#name', 'Ada Lovelace');
  await page.fill('#card-number', '4111 1111 1111 1112');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  t.match(await page.title(), /please correct the errors/);

  const firstView = watched.heartbeats[0]?.pv;
  const hb = await watched.heartbeat((hb) => hb.pv !== firstView && hb.errors.length > 0);
  t.same(
    hb.errors.map((e) => e.field).sort(),
    ['address', 'card-number', 'email', 'expiry', 'postcode'],
    'one entry per field; the error summary above the form adds none',
  );
  t.match(
    hb.errors.find((e) => e.field === 'card-number'),
    {
      message: 'This card number is not valid. Check it for typing mistakes.',
    },
  );
  t.match(
    hb.errors.find((e) => e.field === 'email'),
    { message: 'Enter your email address.' },
  );
  t.notMatch(JSON.stringify(watched.heartbeats), /4111|Ada/, 'the echoed values are not sent');
  await assertCleanConsole(t, watched);
});

/** Error markup as other sites write it, one pattern per field. */
const PATTERNS_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Patterns</title></head><body>
<form id="f">
  <label for="user">User</label> <input id="user">
  <label class="error" for="user">Choose a user name.</label>
  <input name="city"> <span id="city-error" class="error">Unknown city.</span>
  <div><select id="size"><option>S</option></select></div>
  <div class="error">Pick a size.</div>
  <div role="alert"><span class="field-error" id="err-zip">Zip is 5 digits.</span></div>
  <input id="zip">
  <div id="notes-wrap"><div contenteditable="true" aria-invalid="true" aria-errormessage="note-msg"></div></div>
  <p id="note-msg">Write a note.</p>
  <input id="coupon" aria-describedby="coupon-msg"> <span class="oops" id="coupon-msg">Coupon expired.</span>
  <span class="error" hidden>Not shown.</span>
  <p class="error">  </p>
</form>
<main id="m"><p>Order</p><div class="error">Something went wrong.</div></main>
</body></html>`;

/** A page with more errors than a heartbeat may carry, with long messages. */
const MANY_ERRORS_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Many</title></head><body><form>
${Array.from(
  { length: 60 },
  (_, i) =>
    `<input id="f${i}" aria-invalid="true"><span class="field-error" id="f${i}-error">${'Too long. '.repeat(30)}</span>`,
).join('\n')}
</form></body></html>`;

t.test('error messages are tied to their fields however the site marks them up', async (t) => {
  const site = await startServer(t, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(req.url === '/many' ? MANY_ERRORS_PAGE : PATTERNS_PAGE);
  });
  const { url } = await startHelpgate(t, {
    upstream: site.url,
    heartbeat: { interval: '1s' },
    beacon: { errorSelectors: ['.error', '.field-error', '[role=alert]', '.oops'] },
  });
  const watched = await watchedPage(t, browser);
  await watched.page.goto(`${url}/patterns`);
  const hb = await watched.heartbeat((hb) => hb.errors.length > 0);
  t.same(
    [...hb.errors].sort((a, b) => a.field.localeCompare(b.field)),
    [
      { field: '#m>div:nth-of-type(1)', message: 'Something went wrong.' },
      { field: '#notes-wrap>div:nth-of-type(1)', message: 'Write a note.' },
      { field: 'city', message: 'Unknown city.' },
      { field: 'coupon', message: 'Coupon expired.' },
      { field: 'size', message: 'Pick a size.' },
      { field: 'user', message: 'Choose a user name.' },
      { field: 'zip', message: 'Zip is 5 digits.' },
    ],
    'label for=, id naming, the field before it, aria-errormessage, a configured selector, ' +
      'and a message of no field named by its place; hidden and empty ones left out',
  );

  const reply = watched.page.waitForResponse(
    (r) => r.url().endsWith(HB_PATH) && /"path":"\/many"/.test(r.request().postData() ?? ''),
  );
  await watched.page.goto(`${url}/many`);
  t.equal((await reply).status(), 200, 'a page full of long errors still gets its heartbeat in');
  const many = await watched.heartbeat((hb) => hb.path === '/many');
  t.equal(many.errors.length, 50, 'at most 50 errors');
  t.ok(
    many.errors.every((e) => e.message.length <= 200 && e.message.trim() === e.message),
    'messages trimmed and at most 200 characters',
  );
  await assertCleanConsole(t, watched);
});
