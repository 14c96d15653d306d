/**
 * `GET, PUT, DELETE {prefix}api/profiles/{customerId}` (admin token): the saved profiles of
 * claim 2. PUT replaces the profile with a JSON object of at most 16 KiB.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HelpgateError } from '../errors.js';
import { checkProfile, isCustomerId, MAX_PROFILE_BYTES } from '../profiles/profile.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import { readJsonBody } from './read-body.js';
import { sendError, sendJson } from './respond.js';

export type ParamHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  param: string,
) => void | Promise<void>;

export function createProfilesApi(profiles: ProfileStore): Record<string, ParamHandler> {
  async function get(_req: IncomingMessage, res: ServerResponse, customerId: string) {
    if (!isCustomerId(customerId))
      return sendError(res, new HelpgateError('HG_ERR_PROFILE_BAD_ID'));
    const profile = await profiles.get(customerId);
    if (profile === undefined) {
      return sendError(res, new HelpgateError('HG_ERR_PROFILE_NOT_FOUND'));
    }
    sendJson(res, 200, profile);
  }

  async function put(req: IncomingMessage, res: ServerResponse, customerId: string) {
    if (!isCustomerId(customerId))
      return sendError(res, new HelpgateError('HG_ERR_PROFILE_BAD_ID'));
    const read = await readJsonBody(
      req,
      res,
      MAX_PROFILE_BYTES,
      new HelpgateError('HG_ERR_PROFILE_TOO_LARGE', { limit: MAX_PROFILE_BYTES }),
    );
    if (read === undefined) return;
    const body = read.json;
    const problem = checkProfile(body);
    if (problem !== undefined) {
      return sendError(res, new HelpgateError('HG_ERR_PROFILE_BAD_BODY', { reason: problem }));
    }
    const existed = (await profiles.get(customerId)) !== undefined;
    await profiles.put(customerId, body as Record<string, unknown>);
    sendJson(res, existed ? 200 : 201, body);
  }

  async function remove(_req: IncomingMessage, res: ServerResponse, customerId: string) {
    if (!isCustomerId(customerId))
      return sendError(res, new HelpgateError('HG_ERR_PROFILE_BAD_ID'));
    if (!(await profiles.delete(customerId))) {
      return sendError(res, new HelpgateError('HG_ERR_PROFILE_NOT_FOUND'));
    }
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    res.end();
  }

  return { GET: get, PUT: put, DELETE: remove };
}
