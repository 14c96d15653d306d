/**
 * The catalogue of every error helpgate reports: a stable code, a message template and, where
 * the error reaches an HTTP client, its status. docs/contract.md documents each code; a test keeps
 * the two in step.
 */

interface ErrorSpec {
  /** Message template; `{name}` placeholders are filled from the params. */
  readonly message: string;
  /** HTTP status where the error reaches a client. */
  readonly status?: number;
}

export const ERRORS = {
  // ── configuration ────────────────────────────────────────────────────────────
  HG_ERR_CONFIG_READ: { message: 'cannot read the config file: {reason}' },
  HG_ERR_CONFIG_YAML: { message: 'the file is not valid YAML: {reason}' },
  HG_ERR_CONFIG_UNKNOWN_KEY: { message: 'unknown key "{key}"' },
  HG_ERR_CONFIG_MISSING: { message: 'required key is missing' },
  HG_ERR_CONFIG_TYPE: { message: '{reason}' },
  HG_ERR_CONFIG_ENV: { message: 'environment variable {name} is not set' },
  HG_ERR_CONFIG_DURATION: { message: 'not a duration: {value}' },
  HG_ERR_CONFIG_SIZE: { message: 'not a size: {value}' },
  HG_ERR_CONFIG_RATE: { message: 'not a rate: {value}' },
  HG_ERR_CONFIG_URL: { message: 'not a valid URL: {reason}' },
  HG_ERR_CONFIG_SELECTOR: { message: 'not a usable CSS selector: {reason}' },
  HG_ERR_CONFIG_GLOB: { message: 'not a valid path glob: {reason}' },
  HG_ERR_CONFIG_FILE: { message: 'cannot read {value}: {reason}' },
  HG_ERR_CONFIG_INVALID: { message: '{reason}' },

  // ── start-up ─────────────────────────────────────────────────────────────────
  HG_ERR_START: { message: 'cannot start: {reason}' },

  // ── proxy ────────────────────────────────────────────────────────────────────
  HG_ERR_UPSTREAM_UNREACHABLE: {
    message: 'the site behind helpgate could not be reached',
    status: 502,
  },
  HG_ERR_UPSTREAM_TIMEOUT: {
    message: 'the site behind helpgate did not answer in time',
    status: 504,
  },
  HG_ERR_UPSTREAM_BAD_RESPONSE: {
    message: 'the site behind helpgate sent a response that could not be read',
    status: 502,
  },
  HG_ERR_BAD_REQUEST: { message: 'the request cannot be forwarded: {reason}', status: 400 },
  HG_ERR_BODY_TIMEOUT: { message: 'the request body did not arrive in time', status: 408 },

  // ── own routes ───────────────────────────────────────────────────────────────
  HG_ERR_NOT_FOUND: { message: 'no such helpgate route', status: 404 },
  HG_ERR_METHOD_NOT_ALLOWED: { message: 'method not allowed', status: 405 },
  HG_ERR_HB_NO_SESSION: {
    message: 'heartbeat without a validly signed session cookie',
    status: 401,
  },
  HG_ERR_HB_BAD_JSON: { message: 'the heartbeat body is not valid JSON', status: 400 },
  HG_ERR_HB_BAD_BODY: { message: 'invalid heartbeat: {reason}', status: 400 },
  HG_ERR_HB_TOO_LARGE: { message: 'the heartbeat body exceeds {limit} bytes', status: 413 },
  HG_ERR_HB_CONTENT_TYPE: {
    message: 'the heartbeat body must be application/json or text/plain',
    status: 415,
  },
  HG_ERR_RATE_LIMITED: { message: 'too many requests; retry later', status: 429 },
  HG_ERR_STORE_UNAVAILABLE: { message: 'the session store is unreachable', status: 503 },
  HG_ERR_INTERNAL: { message: 'internal error', status: 500 },

  // ── admin APIs, profiles, state ──────────────────────────────────────────────
  HG_ERR_UNAUTHORIZED: {
    message: 'a valid token is required (Authorization: Bearer <token>)',
    status: 401,
  },
  HG_ERR_FORBIDDEN: { message: 'this token may not use this API', status: 403 },
  HG_ERR_STATS_BAD_QUERY: { message: 'invalid statistics query: {reason}', status: 400 },
  HG_ERR_API_CONTENT_TYPE: { message: 'the body must be application/json', status: 415 },
  HG_ERR_API_BAD_JSON: { message: 'the body is not valid JSON', status: 400 },
  HG_ERR_PROFILE_BAD_ID: { message: 'not a usable customer id', status: 400 },
  HG_ERR_PROFILE_BAD_BODY: { message: 'invalid profile: {reason}', status: 400 },
  HG_ERR_PROFILE_TOO_LARGE: { message: 'the profile exceeds {limit} bytes', status: 413 },
  HG_ERR_PROFILE_NOT_FOUND: { message: 'no saved profile for this customer id', status: 404 },
  HG_ERR_SESSION_NOT_FOUND: { message: 'no live session with this id', status: 404 },
  HG_ERR_STATE_LOAD: { message: 'cannot read the state file {file}: {reason}' },
  HG_ERR_STATE_SAVE: { message: 'cannot save the state file {file}: {reason}' },

  // ── offers ───────────────────────────────────────────────────────────────────
  HG_ERR_OFFER_NOT_FOUND: { message: 'no such offer', status: 404 },
  HG_ERR_OFFER_FORBIDDEN: { message: 'this offer was made to another visitor', status: 403 },
  HG_ERR_OFFER_CLOSED: { message: 'this offer is no longer open (it is {state})', status: 409 },
  HG_ERR_QUEUE_FULL: { message: 'the help queue is full; try again later', status: 503 },
  HG_ERR_CONVERSATION_NOT_FOUND: { message: 'no such conversation', status: 404 },
  HG_ERR_CROSS_SITE: {
    message: 'cross-site requests may not send heartbeats, answer offers or chat',
    status: 403,
  },

  // ── media ────────────────────────────────────────────────────────────────────
  HG_ERR_MEDIA_NOT_FOUND: { message: 'no such media file', status: 404 },
  HG_ERR_MEDIA_RANGE: { message: 'the range is outside the file ({size} bytes)', status: 416 },

  // ── conversations ────────────────────────────────────────────────────────────
  HG_ERR_CONVERSATION_FORBIDDEN: {
    message: 'this conversation belongs to another visitor or agent',
    status: 403,
  },
  HG_ERR_CHAT_NO_SESSION: {
    message: 'a validly signed session cookie is required',
    status: 401,
  },
  HG_ERR_CONVERSATION_ENDED: { message: 'this conversation has ended', status: 409 },
  HG_ERR_CHAT_BAD_BODY: { message: 'invalid message: {reason}', status: 400 },
  HG_ERR_MESSAGE_TOO_LONG: {
    message: 'the message exceeds {limit} characters',
    status: 413,
  },
  HG_ERR_TRANSFER_REFUSED: { message: 'cannot transfer: {reason}', status: 409 },

  // ── agents and capacity ──────────────────────────────────────────────────────
  HG_ERR_AGENT_NOT_FOUND: { message: 'no agent with this id', status: 404 },
  HG_ERR_AGENT_BAD_BODY: { message: 'invalid agent change: {reason}', status: 400 },
  HG_ERR_AGENT_TOO_LARGE: { message: 'the body exceeds {limit} bytes', status: 413 },

  // ── console ──────────────────────────────────────────────────────────────────
  HG_ERR_CONSOLE_LOGIN: {
    message: "that token is not an agent's or the admin's token",
    status: 401,
  },
  HG_ERR_CONSOLE_CSRF: {
    message:
      'changes made with the console cookie must come from the console page (same origin, X-Helpgate-CSRF header)',
    status: 403,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An error from the catalogue, carrying its stable code and, for clients, its status. */
export class HelpgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly params: Readonly<Record<string, string | number>>;

  constructor(
    code: ErrorCode,
    params: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(formatMessage(code, params), options);
    this.name = 'HelpgateError';
    this.code = code;
    const spec: ErrorSpec = ERRORS[code];
    this.status = spec.status ?? 500;
    this.params = params;
  }

  /** The JSON error body of the contract: `{ "error": { "code", "message" } }`. */
  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Fills a code's message template with the given params. */
export function formatMessage(code: ErrorCode, params: Record<string, string | number> = {}) {
  return ERRORS[code].message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
