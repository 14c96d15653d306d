/**
 * The HELP option's markup in its four forms (claims 19–22), the trigger's `offer:` choosing
 * which, with the words and media of `offers.content`:
 * - `button`: the plain HELP button;
 * - `screen`: a title, a text, "Talk to an agent" and "No thanks";
 * - `audio`: the title, an audio player with its transcript, and the two answers;
 * - `video`: the title, a video player with its captions track and poster, and the answers.
 *
 * The heartbeat reply carries it for the beacon to show in the page being viewed (claim 12); a
 * page that goes out with an offer (claim 11, and `onRequest` triggers) carries the same form
 * for readers without JavaScript, with a link to the HELP page to answer it, and the reply's
 * markup in `data-html` for the beacon, which turns it into the same panel. Everything
 * interpolated is escaped: labels come from the config, ids are random, and neither may break
 * out of the markup.
 */
import type { Config, OfferKind } from '../config/schema.js';
import type { OfferRecord } from './offer-record.js';

type Content = Config['offers']['content'];

/** The button's HTML for an offer. */
export function helpButtonHtml(offerId: string, label: string): string {
  return (
    `<button type="button" class="helpgate-help" data-offer="${escapeHtml(offerId)}">` +
    `${escapeHtml(label)}</button>`
  );
}

/** The HELP option of `offer` as the heartbeat reply's `html`, in the form of its kind. */
export function offerHtml(offer: Pick<OfferRecord, 'id' | 'kind'>, content: Content): string {
  if (offer.kind === 'button') return helpButtonHtml(offer.id, content.button.label);
  return (
    `<h2>${escapeHtml(content.screen.title)}</h2>${formBodyHtml(offer.kind, content, 'metadata')}` +
    `<button type="button" data-helpgate-action="accept">${escapeHtml(content.labels.talk)}</button>` +
    `<button type="button" data-helpgate-action="dismiss">${escapeHtml(content.labels.noThanks)}</button>`
  );
}

/**
 * What a form shows between its title and its answers: the screen's text, the audio player and
 * its transcript, or the video player with captions on by default and its poster. `preload`
 * is `none` where the beacon will replace the player before it is used.
 */
export function formBodyHtml(kind: OfferKind, content: Content, preload: 'none' | 'metadata') {
  if (kind === 'audio') {
    const { src, transcript } = content.audio;
    return (
      `<audio controls preload="${preload}" src="${escapeHtml(src)}"></audio>` +
      `<p>${escapeHtml(transcript)}</p>`
    );
  }
  if (kind === 'video') {
    const { src, captions, poster } = content.video;
    const track =
      captions === null
        ? ''
        : `<track kind="captions" src="${escapeHtml(captions)}" srclang="en" label="Captions" default>`;
    return (
      `<video controls playsinline preload="${preload}" src="${escapeHtml(src)}"` +
      `${poster === null ? '' : ` poster="${escapeHtml(poster)}"`}>${track}</video>`
    );
  }
  return `<p>${escapeHtml(content.screen.text)}</p>`;
}

/** The HELP page of an offer (`GET {prefix}help?offer={id}`), as a path. */
export function helpPagePath(prefix: string, offerId: string): string {
  return `${prefix}help?offer=${encodeURIComponent(offerId)}`;
}

/**
 * The HELP option inside an HTML page: its form with a link to the HELP page (the button: the
 * link alone), marked so the beacon can find it, show it as its panel and take it away when
 * the server withdraws the offer.
 */
export function pageOfferHtml(offer: OfferRecord, config: Config, now: number): string {
  const { content } = config.offers;
  const expiresIn = Math.max(0, (offer.expiresAt ?? now) - now);
  const href = escapeHtml(helpPagePath(config.prefix, offer.id));
  const form =
    offer.kind === 'button'
      ? `<a class="helpgate-help" href="${href}">${escapeHtml(content.button.label)}</a>`
      : `<p><strong>${escapeHtml(content.screen.title)}</strong></p>` +
        formBodyHtml(offer.kind, content, 'none') +
        `<p><a class="helpgate-help" href="${href}">${escapeHtml(content.labels.talk)}</a></p>`;
  return (
    `<div id="helpgate-page-offer" data-helpgate-offer="${escapeHtml(offer.id)}"` +
    ` data-kind="${escapeHtml(offer.kind)}" data-expires-in="${expiresIn}"` +
    ` data-html="${escapeHtml(offerHtml(offer, content))}">${form}</div>`
  );
}

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
