import t from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import { countView, newSession, type PageView, type Session } from '../../src/session/session.js';
import { evaluateTriggers } from '../../src/triggers/evaluate-triggers.js';
import { testConfig } from '../session/_helpers.js';

const NOW = Date.UTC(2026, 0, 1);

function page(overrides: Partial<PageView> = {}): PageView {
  return {
    pv: 'pv1',
    path: '/checkout/pay',
    startedAt: NOW,
    heartbeats: 1,
    lastHeartbeatAt: NOW,
    timeOnPageMs: 5_000,
    lastSeq: 0,
    nextMs: 5_000,
    ...overrides,
  };
}

function fire(
  triggers: ConfigInput['triggers'],
  view: PageView | null,
  options: { session?: Session; profile?: Record<string, unknown>; onRequest?: boolean } = {},
  extra: Partial<ConfigInput> = {},
) {
  const config = testConfig({ triggers, ...extra });
  const session = options.session ?? newSession('AAAAAAAAAAAAAAAAAAAAAA', NOW);
  return evaluateTriggers(
    {
      session,
      page: view,
      pathname: view?.path ?? '/checkout/pay',
      profile: options.profile ?? null,
      onRequest: options.onRequest ?? false,
    },
    config,
    NOW,
  );
}

t.test('each condition fires at its threshold (≥) and not below, with its reason', async (t) => {
  const cases: [string, ConfigInput['triggers'], PageView, PageView, string][] = [
    [
      'timeOnPage',
      [{ name: 'x', when: { timeOnPage: '45s' } }],
      page({ timeOnPageMs: 44_999 }),
      page({ timeOnPageMs: 47_500 }),
      'on /checkout/pay for 47 s',
    ],
    [
      'heartbeats',
      [{ name: 'x', when: { heartbeats: 9 } }],
      page({ heartbeats: 8 }),
      page({ heartbeats: 9 }),
      '9 heartbeats on this page',
    ],
    [
      'timeOnField',
      [{ name: 'x', when: { timeOnField: '20s' } }],
      page({ focus: { field: 'card-number', ms: 19_999 } }),
      page({ focus: { field: 'card-number', ms: 21_000 } }),
      'on field card-number for 21 s',
    ],
    [
      'formErrors',
      [{ name: 'x', when: { formErrors: 2 } }],
      page({ errorFields: ['email'] }),
      page({ errorFields: ['email', 'card-number'] }),
      '2 form errors: email, card-number',
    ],
  ];
  for (const [name, triggers, below, at, reason] of cases) {
    t.same(fire(triggers, below), [], `${name}: below the threshold`);
    t.same(fire(triggers, at), [{ name: 'x', offer: 'button', reasons: [reason] }], name);
  }
  t.same(fire([{ name: 'x', when: { timeOnField: '1s' } }], page({ focus: null })), [], 'no focus');
});

t.test('returns count earlier views of the pathname', async (t) => {
  const session = newSession('AAAAAAAAAAAAAAAAAAAAAA', NOW);
  const triggers = [{ name: 'x', when: { returns: 3 } }];
  for (let i = 0; i < 3; i++) countView(session, '/products/lamp');
  const lamp = page({ path: '/products/lamp' });
  t.same(fire(triggers, lamp, { session }), [], '2 returns');
  countView(session, '/products/lamp');
  t.same(fire(triggers, lamp, { session })[0]?.reasons, ['3rd return to /products/lamp']);
  for (let i = 0; i < 8; i++) countView(session, '/products/lamp');
  t.same(fire(triggers, lamp, { session })[0]?.reasons, ['11th return to /products/lamp']);
});

t.test('servicePoint matches the servicePoints globs, both ways', async (t) => {
  const extra = { servicePoints: ['/checkout', '/checkout/**'] };
  const at = [{ name: 'x', when: { servicePoint: true } }];
  const notAt = [{ name: 'x', when: { servicePoint: false } }];
  t.same(fire(at, page(), {}, extra)[0]?.reasons, ['at a service point (/checkout/pay)']);
  t.same(fire(at, page({ path: '/checkout' }), {}, extra).length, 1);
  t.same(fire(at, page({ path: '/cart' }), {}, extra), []);
  t.same(fire(notAt, page({ path: '/cart' }), {}, extra)[0]?.reasons, [
    'not at a service point (/cart)',
  ]);
});

t.test('profile conditions match every listed field by equality', async (t) => {
  const triggers = [{ name: 'x', when: { profile: { assist: true, tier: 'gold' } } }];
  const reasons = ['profile: assist = true, tier = "gold"'];
  t.same(
    fire(triggers, page(), { profile: { assist: true, tier: 'gold', x: 1 } })[0]?.reasons,
    reasons,
  );
  t.same(fire(triggers, page(), { profile: { assist: true } }), [], 'a field missing');
  t.same(fire(triggers, page(), { profile: { assist: 'true', tier: 'gold' } }), [], 'not equal');
  t.same(fire(triggers, page()), [], 'no profile');
  const deep = [{ name: 'x', when: { profile: { tags: ['vip'] } } }];
  t.equal(fire(deep, page(), { profile: { tags: ['vip'] } }).length, 1, 'JSON equality');
});

t.test('all conditions must hold; several triggers mean any; pages globs', async (t) => {
  const triggers: ConfigInput['triggers'] = [
    { name: 'both', when: { timeOnPage: '10s', heartbeats: 3 } },
    { name: 'checkout-only', pages: ['/checkout', '/checkout/**'], when: { heartbeats: 1 } },
    { name: 'screen', when: { heartbeats: 2 }, offer: 'screen' },
  ];
  t.same(
    fire(triggers, page({ heartbeats: 3, timeOnPageMs: 9_000 })).map((f) => f.name),
    ['checkout-only', 'screen'],
  );
  const fired = fire(triggers, page({ heartbeats: 3, timeOnPageMs: 15_000 }));
  t.same(
    fired.map((f) => f.name),
    ['both', 'checkout-only', 'screen'],
  );
  t.same(fired[0]?.reasons, ['on /checkout/pay for 15 s', '3 heartbeats on this page']);
  t.equal(fired[2]?.offer, 'screen');
  t.same(
    fire(triggers, page({ path: '/cart', heartbeats: 1 })).map((f) => f.name),
    [],
    'pages globs limit a trigger',
  );
});

t.test('onRequest triggers decide page requests only, the others heartbeats only', async (t) => {
  const triggers: ConfigInput['triggers'] = [
    { name: 'on-request', when: { onRequest: true, servicePoint: true } },
    { name: 'on-heartbeat', when: { servicePoint: true } },
  ];
  const extra = { servicePoints: ['/checkout/**'] };
  t.same(
    fire(triggers, null, { onRequest: true }, extra).map((f) => f.name),
    ['on-request'],
  );
  t.same(
    fire(triggers, page(), {}, extra).map((f) => f.name),
    ['on-heartbeat'],
  );
});

t.test('a long list of form-error fields is shortened in the reason', async (t) => {
  const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const fired = fire([{ name: 'x', when: { formErrors: 1 } }], page({ errorFields: fields }));
  t.same(fired[0]?.reasons, ['7 form errors: a, b, c, d, e and 2 more']);
});

t.test('evaluation changes nothing in the session (pure)', async (t) => {
  const session = newSession('AAAAAAAAAAAAAAAAAAAAAA', NOW);
  countView(session, '/checkout/pay');
  const view = page({ heartbeats: 5, errorFields: ['email'] });
  session.page = view;
  const before = JSON.stringify(session);
  fire([{ name: 'x', when: { heartbeats: 1, formErrors: 1, returns: 0 } }], view, { session });
  t.equal(JSON.stringify(session), before);
});
