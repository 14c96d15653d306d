// The HELP option's markup in its four forms (claims 19–22), and the same forms in a page and on
// the HELP page; whatever the config says is shown as text.
import t from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import { HELP_PAGE_CSP, helpPageHtml } from '../../src/offers/help-page.js';
import { offerHtml, pageOfferHtml } from '../../src/offers/offer-markup.js';
import type { OfferRecord } from '../../src/offers/offer-record.js';
import { testConfig } from '../fixtures/servers.js';

const NOW = Date.UTC(2026, 0, 1);

function offer(kind: OfferRecord['kind']): OfferRecord {
  return {
    id: 'offer-1',
    trigger: 't',
    kind,
    reasons: [],
    pv: null,
    path: '/cart',
    state: 'shown',
    route: 'page',
    createdAt: NOW,
    shownAt: NOW,
    expiresAt: NOW + 60_000,
  };
}

const content = (input: NonNullable<ConfigInput['offers']>['content'] = {}) =>
  testConfig({ offers: { content: input } }).offers.content;

t.test('claim 19: a button offer is the plain HELP button', async (t) => {
  t.equal(
    offerHtml(offer('button'), content()),
    '<button type="button" class="helpgate-help" data-offer="offer-1">Need help?</button>',
  );
});

t.test('claim 20: a screen offer has its title, text and both answers', async (t) => {
  t.equal(
    offerHtml(offer('screen'), content()),
    '<h2>Can we help?</h2><p>An agent is ready to help you with this page.</p>' +
      '<button type="button" data-helpgate-action="accept">Talk to an agent</button>' +
      '<button type="button" data-helpgate-action="dismiss">No thanks</button>',
  );
});

t.test('claim 21: an audio offer has a player with controls and its transcript', async (t) => {
  const html = offerHtml(offer('audio'), content({ audio: { src: '/m/a.ogg' } }));
  t.match(html, '<audio controls preload="metadata" src="/m/a.ogg"></audio>');
  t.match(html, '<p>Need a hand? Press Help to talk to us.</p>');
  t.notMatch(html, /autoplay/, 'never plays by itself');
  t.match(html, 'data-helpgate-action="accept">Talk to an agent</button>');
});

t.test('claim 22: a video offer has captions on by default and a poster', async (t) => {
  t.match(
    offerHtml(offer('video'), content()),
    '<video controls playsinline preload="metadata" src="/__helpgate/media/help.webm"' +
      ' poster="/__helpgate/media/help.jpg"><track kind="captions"' +
      ' src="/__helpgate/media/help.vtt" srclang="en" label="Captions" default></video>',
  );
  const bare = offerHtml(offer('video'), content({ video: { captions: null, poster: null } }));
  t.notMatch(bare, /<track|poster=/, 'without captions or poster, neither is named');
});

t.test('XSS: labels, titles, texts and media paths from the config stay text', async (t) => {
  // An operator's (or a compromised config's) text must not run in every visitor's page.
  const evil = '<script>alert(1)</script>"\'&';
  const escaped = '&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;';
  const hostile = content({
    button: { label: evil },
    screen: { title: evil, text: evil },
    audio: { src: '/a"onerror="x', transcript: evil },
    video: { src: '/v"><script>', captions: '/c"', poster: "/p'" },
    labels: { talk: evil, noThanks: evil },
  });
  const config = testConfig({ offers: { content: hostile } });
  for (const kind of ['button', 'screen', 'audio', 'video'] as const) {
    for (const html of [
      offerHtml(offer(kind), hostile),
      pageOfferHtml(offer(kind), config, NOW),
      helpPageHtml(offer(kind), undefined, config, NOW),
    ]) {
      t.notMatch(html, /<script>|"onerror=|"><script/, `${kind}: nothing breaks out`);
      t.match(html, escaped, `${kind}: shown as text`);
    }
  }
});

t.test(
  'a page carries the form for readers without JavaScript, the panel markup for the beacon',
  async (t) => {
    const config = testConfig();
    const button = pageOfferHtml(offer('button'), config, NOW);
    t.match(
      button,
      /^<div id="helpgate-page-offer" data-helpgate-offer="offer-1" data-kind="button" data-expires-in="60000" data-html="&#60;button [^"<>]*"><a class="helpgate-help" href="\/__helpgate\/help\?offer=offer-1">Need help\?<\/a><\/div>$/,
    );
    const video = pageOfferHtml(offer('video'), config, NOW);
    t.match(
      video,
      '<p><strong>Can we help?</strong></p><video controls playsinline preload="none"',
    );
    t.match(video, '<track kind="captions"');
    t.match(
      video,
      '<a class="helpgate-help" href="/__helpgate/help?offer=offer-1">Talk to an agent</a>',
    );
    const audio = pageOfferHtml(offer('audio'), config, NOW);
    t.match(audio, /preload="none"[^>]*><\/audio><p>Need a hand\?/, 'the transcript beside it');
  },
);

t.test('the HELP page shows the same form and lets its media load', async (t) => {
  const config = testConfig();
  const audio = helpPageHtml(offer('audio'), undefined, config, NOW);
  t.match(audio, '<h1>Can we help?</h1><audio controls preload="metadata"');
  t.match(audio, '<p>Need a hand? Press Help to talk to us.</p>');
  t.match(audio, '<button type="submit">Talk to an agent</button>');
  t.match(audio, '<button type="submit" class="secondary">No thanks</button>');
  const video = helpPageHtml(offer('video'), undefined, config, NOW);
  t.match(
    video,
    /<video controls [^>]*poster="\/__helpgate\/media\/help.jpg"><track kind="captions"[^>]* default>/,
  );
  const button = helpPageHtml(offer('button'), undefined, config, NOW);
  t.match(button, '<p>An agent is ready to help you with this page.</p>');
  t.match(button, '<button type="submit">Need help?</button>', 'the button keeps its label');
  t.match(HELP_PAGE_CSP, "media-src 'self'");
  t.match(HELP_PAGE_CSP, "img-src 'self'");
  t.notMatch(HELP_PAGE_CSP, /script-src/, 'still no script');
});
