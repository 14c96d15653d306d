/**
 * `GET, PUT {prefix}api/agents/{id}`: an agent's status and capacity, so an external
 * contact-centre system (or the agent) can drive availability (claims 13–15), and
 * `GET {prefix}api/agents`, every agent (an addition to the contract).
 *
 * Tokens (DESIGN.md, "Tokens"): the admin token may read and change any agent; an agent's
 * own token may read itself and change only its `status` (its capacity is the operator's
 * call). These handlers check the token themselves, since an agent token is valid here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AGENT_STATUSES,
  type AgentStatus,
  type AgentView,
  type Capacity,
  MAX_AGENT_CAPACITY,
  MIN_AGENT_CAPACITY,
} from '../capacity/capacity.js';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { type Caller, createAdminAuth, createCallerIdentity } from './admin-auth.js';
import type { ParamHandler } from './profiles-api.js';
import { readJsonBody } from './read-body.js';
import { sendError, sendJson } from './respond.js';

/** The largest `PUT api/agents/{id}` body read. */
export const MAX_AGENT_BODY_BYTES = 4 * 1024;

/** A handler of a route without a path parameter. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface AgentsApiDeps {
  config: Config;
  capacity: Capacity;
  clock: Clock;
  /** Who calls (Bearer token or console cookie); Bearer tokens only when not given. */
  identify?: (req: IncomingMessage) => Caller | null;
}

export interface AgentsApi {
  /** `api/agents/{id}` by method; each checks the token itself (admin or that agent). */
  byId: { GET: ParamHandler; PUT: ParamHandler };
  /** `GET api/agents` (admin): `{ "agents": [ { id, name, status, capacity, conversations } ] }`. */
  list: RouteHandler;
}

type Change = { status?: AgentStatus; capacity?: number };

const CHANGE_KEYS = new Set(['status', 'capacity']);

const unauthorized = (res: ServerResponse) =>
  sendError(res, new HelpgateError('HG_ERR_UNAUTHORIZED'), { 'WWW-Authenticate': 'Bearer' });

export function createAgentsApi(deps: AgentsApiDeps): AgentsApi {
  const { config, capacity, clock } = deps;
  const identify = deps.identify ?? createCallerIdentity(config);
  const adminAuth = createAdminAuth(config);

  /** The caller allowed to use agent `id`, or `undefined` once refused. */
  function authorize(req: IncomingMessage, res: ServerResponse, id: string): Caller | undefined {
    const caller = identify(req);
    if (caller === null) {
      unauthorized(res);
      return undefined;
    }
    // Another agent's id is refused whether or not it exists, so agent ids cannot be probed.
    if (caller.kind === 'agent' && caller.id !== id) {
      sendError(res, new HelpgateError('HG_ERR_FORBIDDEN'));
      return undefined;
    }
    return caller;
  }

  function get(req: IncomingMessage, res: ServerResponse, id: string) {
    if (authorize(req, res, id) === undefined) return;
    const agent = capacity.agent(id);
    if (agent === undefined) return sendError(res, new HelpgateError('HG_ERR_AGENT_NOT_FOUND'));
    sendJson(res, 200, reply(agent));
  }

  async function put(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const caller = authorize(req, res, id);
    if (caller === undefined) return;
    if (capacity.agent(id) === undefined) {
      return sendError(res, new HelpgateError('HG_ERR_AGENT_NOT_FOUND'));
    }
    const read = await readJsonBody(
      req,
      res,
      MAX_AGENT_BODY_BYTES,
      new HelpgateError('HG_ERR_AGENT_TOO_LARGE', { limit: MAX_AGENT_BODY_BYTES }),
    );
    if (read === undefined) return;
    const body = read.json;
    // Any capacity at all, valid or not, is beyond an agent's own token.
    if (caller.kind === 'agent' && isObject(body) && 'capacity' in body) {
      return sendError(res, new HelpgateError('HG_ERR_FORBIDDEN'));
    }
    const parsed = parseChange(body);
    if (typeof parsed === 'string') {
      return sendError(res, new HelpgateError('HG_ERR_AGENT_BAD_BODY', { reason: parsed }));
    }
    const agent = await capacity.setAgent(id, parsed, clock.now());
    if (agent === undefined) return sendError(res, new HelpgateError('HG_ERR_AGENT_NOT_FOUND'));
    sendJson(res, 200, reply(agent));
  }

  function list(req: IncomingMessage, res: ServerResponse) {
    if (adminAuth.refuse(req, res)) return;
    sendJson(res, 200, { agents: capacity.agents().map(reply) });
  }

  return { byId: { GET: get, PUT: put }, list };
}

/** The contract's `{ status, capacity }`, plus id, name and the conversations held. */
function reply(agent: AgentView) {
  return {
    status: agent.status,
    capacity: agent.capacity,
    id: agent.id,
    name: agent.name,
    conversations: agent.conversations,
  };
}

/** The change a PUT body asks for, or why it is refused. */
function parseChange(body: unknown): Change | string {
  if (!isObject(body)) return 'the body must be a JSON object';
  const record = body;
  const unknown = Object.keys(record).filter((key) => !CHANGE_KEYS.has(key));
  if (unknown.length > 0) return `unknown key ${JSON.stringify(unknown[0])}`;
  const change: Change = {};
  if ('status' in record) {
    const status = record.status;
    if (!AGENT_STATUSES.includes(status as AgentStatus)) {
      return `status must be one of ${AGENT_STATUSES.join(', ')}`;
    }
    change.status = status as AgentStatus;
  }
  if ('capacity' in record) {
    const value = record.capacity;
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < MIN_AGENT_CAPACITY ||
      value > MAX_AGENT_CAPACITY
    ) {
      return `capacity must be an integer from ${MIN_AGENT_CAPACITY} to ${MAX_AGENT_CAPACITY}`;
    }
    change.capacity = value;
  }
  if (change.status === undefined && change.capacity === undefined) {
    return 'give status, capacity or both';
  }
  return change;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
