/** `GET {prefix}api/sessions/{sid}` (admin token): a session as the trigger engine sees it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Sessions } from '../session/sessions.js';
import type { Clock } from '../util/clock.js';
import type { ParamHandler } from './profiles-api.js';
import { sendError, sendJson } from './respond.js';
import { describeSession } from './session-view.js';

const SID = /^[A-Za-z0-9_-]{22}$/;

export function createSessionsApi(deps: {
  config: Config;
  sessions: Sessions;
  clock: Clock;
}): Record<string, ParamHandler> {
  const { config, sessions, clock } = deps;
  async function get(_req: IncomingMessage, res: ServerResponse, sid: string) {
    const session = SID.test(sid) ? await sessions.snapshot(sid) : undefined;
    if (session === undefined) return sendError(res, new HelpgateError('HG_ERR_SESSION_NOT_FOUND'));
    const profile = await sessions.profileOf(session);
    sendJson(res, 200, describeSession(session, profile, config, clock.now()));
  }
  return { GET: get };
}
