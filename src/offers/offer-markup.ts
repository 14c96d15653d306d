/**
 * The plain HELP button (claim 19) that an offer carries until the help UI issue brings the
 * other forms. Everything interpolated is escaped: the label comes from the config, the id
 * is random, and neither may break out of the markup.
 */

/** The button's HTML for an offer. */
export function helpButtonHtml(offerId: string, label: string): string {
  return (
    `<button type="button" class="helpgate-help" data-offer="${escapeHtml(offerId)}">` +
    `${escapeHtml(label)}</button>`
  );
}

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
