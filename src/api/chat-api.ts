/**
 * The visitor's side of a conversation (DESIGN.md, "Contract: endpoints"):
 * `GET chat/{id}/events` (Server-Sent Events; `Last-Event-ID` or `?lastEventId=` resumes),
 * `POST chat/{id}/messages` `{ "text" }`, `POST chat/{id}/end`, `POST chat/{id}/typing`
 * `{ "typing" }`. Only the visitor the conversation was opened for (the signed cookie names
 * them), only from the site's own pages. The HELP page's plain forms post here too and are
 * sent back to it (303).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import type { ChatState } from '../conversations/chat-event.js';
import type { Conversations } from '../conversations/conversation-service.js';
import { openEventStream } from '../conversations/event-stream.js';
import { HelpgateError } from '../errors.js';
import type { VisitorCookies } from '../session/visitor-cookie.js';
import type { Clock } from '../util/clock.js';
import { mediaTypeOf } from '../util/media-type.js';
import { isCrossSite } from './cross-site.js';
import { sendRefusalPage } from './offers-api.js';
import { createRateLimiter } from './rate-limiter.js';
import { readBody } from './read-body.js';
import { asHelpgateError, retryAfterHeaders, sendError, sendJson } from './respond.js';
import { createStreamRegistry } from './stream-limits.js';

/** Open event streams per visitor: one per browser is the rule (a leader tab), with slack. */
export const MAX_STREAMS_PER_VISITOR = 3;

/** The reconnect delay a browser's EventSource uses after a dropped connection. */
export const CHAT_RETRY_MS = 3_000;

const MAX_TRACKED_ADDRESSES = 10_000;

type Origin = { proto: 'http' | 'https'; clientIp: string; origin: string };

export interface ChatApiDeps {
  config: Config;
  conversations: Conversations;
  cookies: VisitorCookies;
  clock: Clock;
}

export interface ChatApi {
  /** `rest` is the path after `chat/`. */
  handle(req: IncomingMessage, res: ServerResponse, rest: string, origin: Origin): Promise<void>;
  /** Ends every open stream with a `retry:` hint (shutdown). */
  closeStreams(retryMs: number): void;
  /** Open visitor streams. */
  streams(): number;
}

type Action = 'events' | 'messages' | 'end' | 'typing';

const ROUTE = /^([A-Za-z0-9-]{1,64})\/(events|messages|end|typing)$/;

export function createChatApi(deps: ChatApiDeps): ChatApi {
  const { config, conversations, cookies, clock } = deps;
  const perAddress = createRateLimiter({
    rate: config.rateLimit.perAddress,
    maxKeys: MAX_TRACKED_ADDRESSES,
    clock,
  });
  const streams = createStreamRegistry(MAX_STREAMS_PER_VISITOR, CHAT_RETRY_MS);
  // A message of the longest allowed length, in the longest UTF-8 and JSON spelling, fits.
  const maxBodyBytes = config.conversations.maxMessageChars * 12 + 1024;

  async function events(req: IncomingMessage, res: ServerResponse, sid: string, id: string) {
    const url = new URL(req.url ?? '/', 'http://x');
    const lastEventId =
      req.headers['last-event-id']?.toString() ?? url.searchParams.get('lastEventId') ?? null;
    const buffered: Array<() => void> = [];
    let stream: ReturnType<typeof openEventStream> | undefined;
    const followed = await conversations.followAsVisitor(sid, id, lastEventId || null, {
      onEvent(event) {
        const send = () => {
          if (!('id' in event)) return stream?.send(event.type, event.data);
          stream?.send(event.event.type, event.event.data, event.id);
          // The last event: the browser's reconnect then learns (204) that nothing follows.
          if (event.event.type === 'ended') stream?.close();
        };
        if (stream) send();
        else buffered.push(send);
      },
    });
    const { replay } = followed;
    const nothingNew =
      replay.kind === 'events' ? replay.events.length === 0 : lastEventId === replay.lastId;
    if (followed.ended && nothingNew) {
      // Nothing more will come: 204 tells an EventSource to stop reconnecting.
      followed.stop();
      res.writeHead(204, { 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    stream = openEventStream(res, { retryMs: CHAT_RETRY_MS });
    streams.register(sid, stream, followed.stop);
    if (replay.kind === 'reset') {
      stream.send('reset', resetData(replay.state), replay.lastId ?? undefined);
    } else {
      for (const logged of replay.events) {
        stream.send(logged.event.type, logged.event.data, logged.id);
      }
    }
    for (const send of buffered.splice(0)) send();
    if (followed.ended) stream.close();
    else await conversations.seen(id, sid, null, clock.now());
  }

  async function post(
    req: IncomingMessage,
    res: ServerResponse,
    sid: string,
    id: string,
    action: Exclude<Action, 'events'>,
  ) {
    const type = mediaTypeOf(req.headers['content-type']);
    const fromForm = type === 'application/x-www-form-urlencoded';
    const read = await readBody(req, maxBodyBytes);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      return sendError(
        res,
        new HelpgateError('HG_ERR_MESSAGE_TOO_LONG', {
          limit: config.conversations.maxMessageChars,
        }),
        { Connection: 'close' },
      );
    }
    const fields = parseFields(read.body.toString('utf8'), fromForm);
    if (fields === undefined) {
      return sendError(res, new HelpgateError('HG_ERR_CHAT_BAD_BODY', { reason: 'not JSON' }));
    }
    const actor = { kind: 'visitor', sid } as const;
    const now = clock.now();
    if (action === 'messages') {
      if (typeof fields.text !== 'string') {
        throw new HelpgateError('HG_ERR_CHAT_BAD_BODY', { reason: '"text" must be a string' });
      }
      const message = await conversations.send(actor, id, fields.text, now);
      if (fromForm) return backToHelpPage(res, sid, id);
      return sendJson(res, 201, message);
    }
    if (action === 'end') {
      await conversations.end(actor, id, now);
      if (fromForm) return backToHelpPage(res, sid, id);
      return sendJson(res, 200, { state: 'ended' });
    }
    if (typeof fields.typing !== 'boolean') {
      throw new HelpgateError('HG_ERR_CHAT_BAD_BODY', { reason: '"typing" must be true or false' });
    }
    await conversations.typing(actor, id, fields.typing);
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    res.end();
  }

  /** The HELP page's plain forms: back to the page, which shows the conversation as it is now. */
  async function backToHelpPage(res: ServerResponse, sid: string, id: string) {
    const { offerId } = await conversations.history(sid, id);
    const location = `${config.prefix}help?offer=${encodeURIComponent(offerId)}`;
    res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': '0' });
    res.end();
  }

  return {
    async handle(req, res, rest, origin) {
      const match = ROUTE.exec(rest);
      if (match === null) return sendError(res, new HelpgateError('HG_ERR_NOT_FOUND'));
      const [, id, action] = match as unknown as [string, string, Action];
      const method = action === 'events' ? 'GET' : 'POST';
      if (req.method !== method) {
        req.resume();
        return sendError(res, new HelpgateError('HG_ERR_METHOD_NOT_ALLOWED'), { Allow: method });
      }
      if (isCrossSite(req, origin)) {
        req.resume();
        return sendError(res, new HelpgateError('HG_ERR_CROSS_SITE'));
      }
      const limited = perAddress.take(origin.clientIp);
      if (!limited.allowed) {
        req.resume();
        return sendError(res, new HelpgateError('HG_ERR_RATE_LIMITED'), {
          'Retry-After': String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))),
        });
      }
      const sid = cookies.read(req.headers.cookie);
      if (sid === null) {
        req.resume();
        return sendError(res, new HelpgateError('HG_ERR_CHAT_NO_SESSION'));
      }
      try {
        if (action === 'events') await events(req, res, sid, id);
        else await post(req, res, sid, id, action);
      } catch (error) {
        const known = asHelpgateError(error);
        const headers = retryAfterHeaders(known);
        // The HELP page's plain forms: a person gets a page, not the API's JSON.
        const fromForm =
          mediaTypeOf(req.headers['content-type']) === 'application/x-www-form-urlencoded';
        if (fromForm) sendRefusalPage(req, res, known, headers);
        else sendError(res, known, headers);
      }
    },

    closeStreams(retryMs) {
      streams.closeAll(retryMs);
    },

    streams: () => streams.size(),
  };
}

/** The `reset` event's data: the whole current state (DESIGN.md, "Chat events"). */
function resetData(state: ChatState) {
  return {
    state: state.state,
    messages: state.messages,
    queued:
      state.state === 'queued'
        ? {
            position: state.position,
            estimatedWaitSeconds: state.estimatedWaitSeconds,
            late: state.late,
          }
        : null,
    agent: state.agent,
    ended: state.ended,
  };
}

/** The body's fields: JSON (or text/plain JSON, as `sendBeacon` sends), or a plain form. */
function parseFields(text: string, fromForm: boolean): Record<string, unknown> | undefined {
  if (fromForm) {
    const form = new URLSearchParams(text);
    const fields: Record<string, unknown> = {};
    const message = form.get('text');
    if (message !== null) fields.text = message.replace(/\r\n/g, '\n');
    return fields;
  }
  try {
    const parsed: unknown = JSON.parse(text === '' ? '{}' : text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
