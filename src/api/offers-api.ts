/**
 * The visitor's answers: `POST {prefix}offers/{id}/accept` and `…/dismiss` (from the beacon's
 * panel, or the HELP page's forms), and `GET {prefix}help?offer={id}`, the HELP page itself.
 * Only the visitor the offer was made to may answer it (the signed cookie names them), only
 * from the site's own pages (a cross-site form or fetch is refused), and only while it is
 * open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import type { ChatState } from '../conversations/chat-event.js';
import { HelpgateError } from '../errors.js';
import { HELP_PAGE_CSP, helpPageHtml, helpRefusalHtml } from '../offers/help-page.js';
import type { QueueTicket } from '../offers/offer-lifecycle.js';
import { helpPagePath } from '../offers/offer-markup.js';
import { sameOriginPath } from '../offers/same-origin-path.js';
import type { Sessions } from '../session/sessions.js';
import type { VisitorCookies } from '../session/visitor-cookie.js';
import type { Clock } from '../util/clock.js';
import { mediaTypeOf } from '../util/media-type.js';
import { isCrossSite } from './cross-site.js';
import { createRateLimiter } from './rate-limiter.js';
import { sendError, sendJson } from './respond.js';

/** Client addresses whose answer rate is tracked at once. */
const MAX_TRACKED_ADDRESSES = 10_000;

export interface OffersApiDeps {
  config: Config;
  sessions: Sessions;
  cookies: VisitorCookies;
  clock: Clock;
  /** The current place of a help request in the queue. */
  ticketOf(conversationId: string, now: number): QueueTicket | undefined;
  /** The visitor's conversation, for the HELP page; `undefined` when there is none to show. */
  chatOf?(sid: string, conversationId: string): Promise<ChatState | undefined>;
}

type Origin = { proto: 'http' | 'https'; clientIp: string; origin: string };

export interface OffersApi {
  /** `POST offers/{id}/{accept|dismiss}`; `rest` is the path after `offers/`. */
  answer(req: IncomingMessage, res: ServerResponse, rest: string, origin: Origin): Promise<void>;
  /** `GET help?offer={id}`. */
  helpPage(req: IncomingMessage, res: ServerResponse, origin: Origin): Promise<void>;
}

export function createOffersApi(deps: OffersApiDeps): OffersApi {
  const { config, sessions, cookies, clock } = deps;
  const perAddress = createRateLimiter({
    rate: config.rateLimit.perAddress,
    maxKeys: MAX_TRACKED_ADDRESSES,
    clock,
  });

  /** The rate limit and the signed cookie: `null` once `refuse` sent an error. */
  function visitor(
    req: IncomingMessage,
    res: ServerResponse,
    origin: Origin,
    refuse: Refuse,
  ): string | null {
    const limited = perAddress.take(origin.clientIp);
    if (!limited.allowed) {
      refuse(res, new HelpgateError('HG_ERR_RATE_LIMITED'), {
        'Retry-After': String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))),
      });
      return null;
    }
    const sid = cookies.read(req.headers.cookie);
    if (sid === null) refuse(res, new HelpgateError('HG_ERR_HB_NO_SESSION'));
    return sid;
  }

  return {
    async answer(req, res, rest, origin) {
      req.resume();
      const match = /^([A-Za-z0-9_-]{1,64})\/(accept|dismiss)$/.exec(rest);
      if (match === null) return sendError(res, new HelpgateError('HG_ERR_NOT_FOUND'));
      if (req.method !== 'POST') {
        return sendError(res, new HelpgateError('HG_ERR_METHOD_NOT_ALLOWED'), { Allow: 'POST' });
      }
      const fromForm =
        mediaTypeOf(req.headers['content-type']) === 'application/x-www-form-urlencoded';
      // The HELP page's forms are a person's navigation: a refusal is a page for them too.
      const refuse: Refuse = fromForm ? (...args) => sendRefusalPage(req, ...args) : sendError;
      if (isCrossSite(req, origin)) return refuse(res, new HelpgateError('HG_ERR_CROSS_SITE'));
      const sid = visitor(req, res, origin, refuse);
      if (sid === null) return;
      const [, offerId, action] = match as unknown as [string, string, 'accept' | 'dismiss'];

      const outcome = await sessions.answer(sid, offerId, action);
      if (!outcome.ok) {
        if (outcome.reason === 'closed' && fromForm) return seeOther(res, offerId);
        const error =
          outcome.reason === 'forbidden'
            ? new HelpgateError('HG_ERR_OFFER_FORBIDDEN')
            : outcome.reason === 'closed'
              ? new HelpgateError('HG_ERR_OFFER_CLOSED', { state: outcome.state })
              : outcome.reason === 'queue-full'
                ? new HelpgateError('HG_ERR_QUEUE_FULL')
                : new HelpgateError('HG_ERR_OFFER_NOT_FOUND');
        return refuse(res, error);
      }
      if (fromForm) {
        // The HELP page's forms: back to the page after a dismissal, to the status otherwise.
        if (action === 'dismiss') return redirect(res, sameOriginPath(outcome.offer.path));
        return seeOther(res, offerId);
      }
      if (outcome.ticket === null) return sendJson(res, 200, { state: outcome.offer.state });
      sendJson(res, 200, {
        conversationId: outcome.ticket.conversationId,
        queuePosition: outcome.ticket.queuePosition,
        estimatedWaitSeconds: waitSeconds(outcome.ticket.estimatedWaitMs),
      });
    },

    async helpPage(req, res, origin) {
      // A person opened it (the link in a page): refusals are pages, never the API's JSON.
      const refuse: Refuse = (...args) => sendRefusalPage(req, ...args);
      const sid = visitor(req, res, origin, refuse);
      if (sid === null) return;
      const offerId = new URL(req.url ?? '/', 'http://x').searchParams.get('offer') ?? '';
      const found = await sessions.offer(sid, offerId);
      if (!found.ok) {
        return refuse(
          res,
          new HelpgateError(
            found.reason === 'forbidden' ? 'HG_ERR_OFFER_FORBIDDEN' : 'HG_ERR_OFFER_NOT_FOUND',
          ),
        );
      }
      const now = clock.now();
      const { offer } = found;
      const ticket = offer.conversationId ? deps.ticketOf(offer.conversationId, now) : undefined;
      const chat =
        offer.conversationId && deps.chatOf
          ? await deps.chatOf(sid, offer.conversationId).catch(() => undefined)
          : undefined;
      sendPage(req, res, 200, helpPageHtml(offer, ticket, config, now, chat));
    },
  };

  function seeOther(res: ServerResponse, offerId: string) {
    redirect(res, helpPagePath(config.prefix, offerId));
  }
}

/** Whole seconds, rounded up; `null` stays unknown. */
export function waitSeconds(ms: number | null): number | null {
  return ms === null ? null : Math.ceil(ms / 1000);
}

/** Sends a catalogue error (the API's JSON, or the HELP page's refusal page). */
type Refuse = (res: ServerResponse, error: HelpgateError, headers?: Record<string, string>) => void;

/** A catalogue error as the short HTML page a person sees, with the error's status. */
export function sendRefusalPage(
  req: IncomingMessage,
  res: ServerResponse,
  error: HelpgateError,
  headers: Record<string, string> = {},
): void {
  sendPage(req, res, error.status, helpRefusalHtml(error.code), headers);
}

/** A page of the HELP page's kind: no script, never framed, never cached. */
function sendPage(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(html);
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'private, no-store',
    'Content-Security-Policy': HELP_PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': '0' });
  res.end();
}
