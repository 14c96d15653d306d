/**
 * Bearer-token checks of the admin APIs (DESIGN.md, "Tokens"). Tokens are compared as
 * SHA-256 digests with `timingSafeEqual`: equal-length inputs, so neither the length nor
 * the content of the configured token leaks through response timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import { sendError } from './respond.js';

/** Decides whether a request may use the admin APIs. */
export interface AdminAuth {
  /** `null` when the request carries the admin token, else the error to answer with. */
  check(req: IncomingMessage): HelpgateError | null;
  /**
   * Answers 401 (with `WWW-Authenticate: Bearer`) or 403 unless the request carries the admin
   * token; `true` when it did answer.
   */
  refuse(req: IncomingMessage, res: ServerResponse): boolean;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** Whether two tokens are equal, in time independent of where they differ. */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or `null`. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * Admin auth for a config: without `admin.token` every admin API answers 401; an agent's own
 * token is recognised and refused with 403 (it is valid, just not for this).
 */
export function createAdminAuth(config: Config): AdminAuth {
  const admin = config.admin.token;
  const agentTokens = config.agents.list.map((agent) => agent.token);
  const auth: AdminAuth = {
    refuse(req, res) {
      const denied = auth.check(req);
      if (denied === null) return false;
      sendError(res, denied, denied.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
      return true;
    },
    check(req) {
      const token = bearerToken(req);
      if (token === null || admin === null) return new HelpgateError('HG_ERR_UNAUTHORIZED');
      if (tokensEqual(token, admin)) return null;
      // Every agent token is compared, not only until a match, so timing names no agent.
      let isAgent = false;
      for (const agentToken of agentTokens) if (tokensEqual(token, agentToken)) isAgent = true;
      return new HelpgateError(isAgent ? 'HG_ERR_FORBIDDEN' : 'HG_ERR_UNAUTHORIZED');
    },
  };
  return auth;
}

/** Who a Bearer token names: the admin, one agent, or nobody (`null`). */
export type Caller = { kind: 'admin' } | { kind: 'agent'; id: string };

/**
 * Identifies the caller of an API that agents may use too (their own agent record, their own
 * conversations). Every token is compared, not only until a match, so timing names no agent.
 */
export function createCallerIdentity(config: Config): (req: IncomingMessage) => Caller | null {
  const adminToken = config.admin.token;
  const agentTokens = config.agents.list.map(({ id, token }) => ({ id, token }));
  return (req) => {
    const token = bearerToken(req);
    if (token === null) return null;
    const isAdmin = adminToken !== null && tokensEqual(token, adminToken);
    let agentId: string | null = null;
    for (const agent of agentTokens) {
      if (tokensEqual(token, agent.token) && agentId === null) agentId = agent.id;
    }
    if (isAdmin) return { kind: 'admin' };
    return agentId === null ? null : { kind: 'agent', id: agentId };
  };
}
