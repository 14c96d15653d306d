/**
 * The HELP page (`GET {prefix}help?offer={id}`): what a visitor without JavaScript reaches
 * from the link a page-delivered offer carries (claim 11). Plain HTML forms answer the offer,
 * so it works in any browser; everything interpolated is escaped. When the offer cannot be
 * shown, a person still gets a page, not the API's JSON.
 */
import type { Config } from '../config/schema.js';
import type { ChatState } from '../conversations/chat-event.js';
import type { ErrorCode } from '../errors.js';
import { HELP_CHAT_STYLE, helpChatHtml } from './help-page-chat.js';
import type { QueueTicket } from './offer-lifecycle.js';
import { escapeHtml, formBodyHtml } from './offer-markup.js';
import type { OfferRecord } from './offer-record.js';
import { sameOriginPath } from './same-origin-path.js';

/**
 * The page's whole HTML for `offer`; `ticket` is the help request of an accepted offer, `chat`
 * its conversation (shown with a form to write in it).
 */
export function helpPageHtml(
  offer: OfferRecord,
  ticket: QueueTicket | undefined,
  config: Config,
  now: number,
  chat?: ChatState,
): string {
  const { content } = config.offers;
  const { screen } = content;
  const id = encodeURIComponent(offer.id);
  const back = `<p><a href="${escapeHtml(sameOriginPath(offer.path))}">Back to the page</a></p>`;
  let main: string;
  if (offer.state === 'shown' && now < (offer.expiresAt ?? 0)) {
    main =
      `<h1>${escapeHtml(screen.title)}</h1>${formBodyHtml(offer.kind, content, 'metadata')}` +
      `<form method="post" action="${escapeHtml(`${config.prefix}offers/${id}/accept`)}">` +
      `<button type="submit">${escapeHtml(offer.kind === 'button' ? content.button.label : content.labels.talk)}</button></form>` +
      `<form method="post" action="${escapeHtml(`${config.prefix}offers/${id}/dismiss`)}">` +
      `<button type="submit" class="secondary">${escapeHtml(content.labels.noThanks)}</button></form>` +
      back;
  } else if (offer.state === 'accepted' && chat && offer.conversationId) {
    main = `<h1>Thank you</h1>${helpChatHtml(offer.conversationId, offer.id, chat, config)}${back}`;
  } else if (offer.state === 'accepted') {
    main = `<h1>Thank you</h1><p>${escapeHtml(waitText(ticket))}</p>${back}`;
  } else {
    main = `<h1>This offer has ended</h1><p>It is no longer open.</p>${back}`;
  }
  return page(screen.title, main);
}

/** What the HELP page says instead when it cannot show the offer, by the error behind it. */
const REFUSALS: Partial<Record<ErrorCode, { title: string; text: string }>> = {
  HG_ERR_HB_NO_SESSION: {
    title: 'This help link does not work here',
    text: 'It works only in the browser the offer was made in, with cookies allowed.',
  },
  HG_ERR_OFFER_FORBIDDEN: {
    title: 'This offer was made to someone else',
    text: 'A help link works only for the visitor it was offered to.',
  },
  HG_ERR_OFFER_NOT_FOUND: {
    title: 'This offer does not exist',
    text: 'It may have ended some time ago.',
  },
  HG_ERR_RATE_LIMITED: {
    title: 'Too many requests',
    text: 'Please wait a moment, then try again.',
  },
  HG_ERR_CROSS_SITE: {
    title: 'This form must be sent from the site itself',
    text: 'Another site tried to answer an offer for you; nothing was changed.',
  },
  HG_ERR_MESSAGE_TOO_LONG: {
    title: 'That message is too long',
    text: 'Please go back and split it into shorter messages.',
  },
  HG_ERR_CONVERSATION_ENDED: {
    title: 'This conversation has ended',
    text: 'Your message was not sent. You can ask for help again from the site.',
  },
  HG_ERR_CHAT_NO_SESSION: {
    title: 'This chat does not work here',
    text: 'It works only in the browser the chat started in, with cookies allowed.',
  },
  HG_ERR_QUEUE_FULL: {
    title: 'Everyone is busy',
    text: 'The help queue is full. Please try again in a few minutes.',
  },
};

/**
 * The short page a person sees when the HELP page or one of its forms is refused (no visitor
 * cookie, another visitor's offer, an unknown one, too many requests, …): what happened in the
 * HELP page's words, and the way back to the site.
 */
export function helpRefusalHtml(code: ErrorCode): string {
  const { title, text } = REFUSALS[code] ?? {
    title: 'Help is not available right now',
    text: 'Please try again later.',
  };
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>` +
      '<p><a href="/">Back to the site</a></p>',
  );
}

function page(title: string, main: string): string {
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main>${main}</main></body></html>`
  );
}

/**
 * The page's own policy: no script at all, forms only to this origin, never framed; the audio
 * and video messages, their captions and poster from this origin only.
 */
export const HELP_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; media-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function waitText(ticket: QueueTicket | undefined): string {
  if (ticket === undefined) return 'Your help request has ended.';
  if (ticket.queuePosition === 0) return 'An agent is with you now.';
  const wait =
    ticket.estimatedWaitMs === null
      ? 'as soon as an agent is available'
      : `in about ${Math.max(1, Math.ceil(ticket.estimatedWaitMs / 60_000))} min`;
  return `You are number ${ticket.queuePosition} in line; an agent will be with you ${wait}.`;
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem;background:#f6f6f6;color:#222}' +
  'main{max-width:32rem;margin:auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;' +
  'box-shadow:0 1px 6px rgba(0,0,0,.15)}form{display:inline-block;margin:0 .5rem .5rem 0}' +
  'button{font:inherit;font-weight:bold;padding:.5rem 1.25rem;cursor:pointer}' +
  `button.secondary{font-weight:normal}audio,video{display:block;width:100%;margin:0 0 1rem}${HELP_CHAT_STYLE}`;
