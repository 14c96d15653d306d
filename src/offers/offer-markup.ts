/**
 * The HELP option's markup. The heartbeat reply carries the plain HELP button (claim 19) that
 * the beacon puts into the page being viewed (claim 12); a page that goes out with an offer
 * (claim 11, and `onRequest` triggers) carries a link to the HELP page under the prefix, which
 * works with JavaScript disabled and which the beacon, when it runs, turns into the same panel.
 * Everything interpolated is escaped: labels come from the config, ids are random, and
 * neither may break out of the markup.
 */
import type { Config } from '../config/schema.js';
import type { OfferRecord } from './offer-record.js';

/** The button's HTML for an offer. */
export function helpButtonHtml(offerId: string, label: string): string {
  return (
    `<button type="button" class="helpgate-help" data-offer="${escapeHtml(offerId)}">` +
    `${escapeHtml(label)}</button>`
  );
}

/** The HELP page of an offer (`GET {prefix}help?offer={id}`), as a path. */
export function helpPagePath(prefix: string, offerId: string): string {
  return `${prefix}help?offer=${encodeURIComponent(offerId)}`;
}

/**
 * The HELP option inside an HTML page: a link to the HELP page, marked so the beacon can find
 * it, show it as its panel and take it away when the server withdraws the offer.
 */
export function pageOfferHtml(offer: OfferRecord, config: Config, now: number): string {
  const expiresIn = Math.max(0, (offer.expiresAt ?? now) - now);
  return (
    `<div id="helpgate-page-offer" data-helpgate-offer="${escapeHtml(offer.id)}"` +
    ` data-kind="${escapeHtml(offer.kind)}" data-expires-in="${expiresIn}">` +
    `<a class="helpgate-help" href="${escapeHtml(helpPagePath(config.prefix, offer.id))}">` +
    `${escapeHtml(config.offers.content.button.label)}</a></div>`
  );
}

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
