/**
 * `GET {prefix}api/conversations` (admin): the help queue and the conversations agents hold;
 * `DELETE {prefix}api/conversations/{id}` (admin, or the agent holding it): ends one, which
 * frees the agent's slot for the next visitor in line and teaches the average handle time.
 * Additions to the contract, so a contact-centre system can close chats it handles itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Capacity, Conversation } from '../capacity/capacity.js';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { createAdminAuth, createCallerIdentity } from './admin-auth.js';
import type { RouteHandler } from './agents-api.js';
import type { ParamHandler } from './profiles-api.js';
import { sendError, sendJson } from './respond.js';

export interface ConversationsApi {
  list: RouteHandler;
  byId: { DELETE: ParamHandler };
}

/** A conversation as the API shows it: never the visitor's session id. */
function view(conversation: Conversation) {
  return {
    id: conversation.id,
    agentId: conversation.agentId,
    reasons: conversation.reasons,
    path: conversation.path,
    queuedAt: new Date(conversation.queuedAt).toISOString(),
    assignedAt:
      conversation.assignedAt === null ? null : new Date(conversation.assignedAt).toISOString(),
  };
}

export function createConversationsApi(deps: {
  config: Config;
  capacity: Capacity;
  clock: Clock;
}): ConversationsApi {
  const { config, capacity, clock } = deps;
  const identify = createCallerIdentity(config);
  const adminAuth = createAdminAuth(config);

  return {
    list(req, res) {
      if (adminAuth.refuse(req, res)) return;
      const held = capacity.agents().flatMap((agent) => capacity.conversationsOf(agent.id));
      sendJson(res, 200, {
        queue: capacity.queued().map(view),
        conversations: held.map(view),
      });
    },

    byId: {
      DELETE(req: IncomingMessage, res: ServerResponse, id: string) {
        const caller = identify(req);
        if (caller === null) {
          return sendError(res, new HelpgateError('HG_ERR_UNAUTHORIZED'), {
            'WWW-Authenticate': 'Bearer',
          });
        }
        const conversation = capacity.conversation(id);
        // An agent may end only the conversations it holds; others' look the same as unknown
        // ones to it, so conversation ids cannot be probed.
        if (caller.kind === 'agent' && conversation?.agentId !== caller.id) {
          return sendError(res, new HelpgateError('HG_ERR_FORBIDDEN'));
        }
        if (conversation === undefined || !capacity.endConversation(id, clock.now())) {
          return sendError(res, new HelpgateError('HG_ERR_CONVERSATION_NOT_FOUND'));
        }
        res.writeHead(204, { 'Cache-Control': 'no-store' });
        res.end();
      },
    },
  };
}
