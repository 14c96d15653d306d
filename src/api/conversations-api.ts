/**
 * The agent's side of conversations (DESIGN.md, "Contract: endpoints"), for the console and
 * for contact-centre systems: `GET api/events` (one multiplexed event stream), `GET api/queue`,
 * `GET api/conversations`, `GET api/conversations/{id}`, `POST api/conversations/{id}/messages`
 * `{ "text" }`, `POST …/transfer` `{ "to", "note" }`, `POST …/typing` `{ "typing" }` and
 * `DELETE api/conversations/{id}`.
 *
 * An agent's token sees the queue and the conversations it holds; the admin's sees and may do
 * everything (sending as `agent`, named "Supervisor"). Anyone else: 401; another agent's
 * conversation: 403; an unknown id: 404; a conversation that ended: 409 on any change.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Actor, Conversations } from '../conversations/conversation-service.js';
import { type EventStream, openEventStream } from '../conversations/event-stream.js';
import { HelpgateError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { type Caller, createCallerIdentity } from './admin-auth.js';
import type { RouteHandler } from './agents-api.js';
import { readJsonBody } from './read-body.js';
import { asHelpgateError, retryAfterHeaders, sendError, sendJson } from './respond.js';
import { createStreamRegistry } from './stream-limits.js';

/** Open `api/events` streams per agent (the console in a few tabs or windows). */
export const MAX_STREAMS_PER_AGENT = 5;

/** When an agent's stream closed by the limit or a shutdown tries again. */
const AGENT_RETRY_MS = 1000;

/** The largest body of a message, transfer or typing request. */
const bodyLimit = (config: Config) => config.conversations.maxMessageChars * 12 + 2048;

export interface ConversationsApi {
  events: RouteHandler;
  queue: RouteHandler;
  list: RouteHandler;
  /** `api/conversations/{rest}`: `{id}` or `{id}/{messages|transfer|typing}`. */
  byId(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void>;
  /** Ends every open stream with a `retry:` hint (shutdown). */
  closeStreams(retryMs: number): void;
}

const ROUTE = /^([A-Za-z0-9-]{1,64})(?:\/(messages|transfer|typing))?$/;

export function createConversationsApi(deps: {
  config: Config;
  conversations: Conversations;
  clock: Clock;
  /** Who calls (Bearer token or console cookie); Bearer tokens only when not given. */
  identify?: (req: IncomingMessage) => Caller | null;
  /** Told of each stream opened, so a reload that ends the caller's access can close it. */
  onStream?: (who: Caller, stream: EventStream, req: IncomingMessage) => void;
}): ConversationsApi {
  const { config, conversations, clock } = deps;
  const identify = deps.identify ?? createCallerIdentity(config);
  const streams = createStreamRegistry(MAX_STREAMS_PER_AGENT, AGENT_RETRY_MS);

  /** The caller, or `null` once a 401 went out. */
  function caller(req: IncomingMessage, res: ServerResponse): Caller | null {
    const found = identify(req);
    if (found === null) {
      req.resume();
      sendError(res, new HelpgateError('HG_ERR_UNAUTHORIZED'), { 'WWW-Authenticate': 'Bearer' });
    }
    return found;
  }

  const scopeOf = (who: Caller) =>
    who.kind === 'admin' ? ({ kind: 'admin' } as const) : ({ kind: 'agent', id: who.id } as const);

  function fail(res: ServerResponse, error: unknown): void {
    const known = asHelpgateError(error);
    sendError(res, known, retryAfterHeaders(known));
  }

  async function body(req: IncomingMessage, res: ServerResponse) {
    const read = await readJsonBody(
      req,
      res,
      bodyLimit(config),
      new HelpgateError('HG_ERR_MESSAGE_TOO_LONG', { limit: config.conversations.maxMessageChars }),
    );
    if (read === undefined) return undefined;
    const { json } = read;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      sendError(res, new HelpgateError('HG_ERR_CHAT_BAD_BODY', { reason: 'not a JSON object' }));
      return undefined;
    }
    return json as Record<string, unknown>;
  }

  return {
    async events(req, res) {
      const who = caller(req, res);
      if (who === null) return;
      const key = who.kind === 'admin' ? '(admin)' : who.id;
      let stream: ReturnType<typeof openEventStream> | undefined;
      const pending: Array<{ event: string; data: unknown }> = [];
      const followed = await conversations.followAsAgent(scopeOf(who), (event) => {
        if (stream) stream.send(event.event, event.data);
        else pending.push(event);
      });
      // No ids and no replay: after any reconnect the console starts again from a snapshot,
      // so it never shows a stale screen.
      stream = openEventStream(res);
      streams.register(key, stream, followed.stop);
      deps.onStream?.(who, stream, req);
      stream.send('snapshot', followed.snapshot);
      for (const event of pending.splice(0)) stream.send(event.event, event.data);
    },

    async queue(req, res) {
      const who = caller(req, res);
      if (who === null) return;
      const { queue } = await conversations.snapshot(scopeOf(who));
      sendJson(res, 200, { queue });
    },

    async list(req, res) {
      const who = caller(req, res);
      if (who === null) return;
      sendJson(res, 200, await conversations.snapshot(scopeOf(who)));
    },

    async byId(req, res, rest) {
      const match = ROUTE.exec(rest);
      if (match === null) {
        req.resume();
        return sendError(res, new HelpgateError('HG_ERR_NOT_FOUND'));
      }
      const [, id, action] = match as unknown as [string, string, string | undefined];
      const allowed = action === undefined ? ['GET', 'DELETE'] : ['POST'];
      if (!allowed.includes(req.method ?? '')) {
        req.resume();
        return sendError(res, new HelpgateError('HG_ERR_METHOD_NOT_ALLOWED'), {
          Allow: allowed.join(', '),
        });
      }
      const who = caller(req, res);
      if (who === null) return;
      const actor: Actor = who;
      try {
        const now = clock.now();
        if (action === undefined && req.method === 'GET') {
          return sendJson(res, 200, await conversations.view(actor, id));
        }
        if (action === undefined) {
          await conversations.end(actor, id, now);
          res.writeHead(204, { 'Cache-Control': 'no-store' });
          res.end();
          return;
        }
        const fields = await body(req, res);
        if (fields === undefined) return;
        if (action === 'messages') {
          if (typeof fields.text !== 'string') {
            throw new HelpgateError('HG_ERR_CHAT_BAD_BODY', { reason: '"text" must be a string' });
          }
          return sendJson(res, 201, await conversations.send(actor, id, fields.text, now));
        }
        if (action === 'transfer') {
          const { to, note = '' } = fields;
          if (typeof to !== 'string' || typeof note !== 'string') {
            throw new HelpgateError('HG_ERR_CHAT_BAD_BODY', {
              reason: '"to" must be an agent id and "note" a string',
            });
          }
          await conversations.transfer(actor, id, to, note, now);
          return sendJson(res, 200, await conversations.view({ kind: 'admin' }, id));
        }
        if (typeof fields.typing !== 'boolean') {
          throw new HelpgateError('HG_ERR_CHAT_BAD_BODY', {
            reason: '"typing" must be true or false',
          });
        }
        await conversations.typing(actor, id, fields.typing);
        res.writeHead(204, { 'Cache-Control': 'no-store' });
        res.end();
      } catch (error) {
        fail(res, error);
      }
    },

    closeStreams(retryMs) {
      streams.closeAll(retryMs);
    },
  };
}
