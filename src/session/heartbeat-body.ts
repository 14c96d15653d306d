/**
 * The heartbeat message of the contract (DESIGN.md, "Contract: endpoints"): what the beacon
 * sends to `hb` and what it gets back. Every field is bounded so no body can grow a session.
 */
import { z } from 'zod';

/** Heartbeat bodies larger than this are refused (413). */
export const MAX_HEARTBEAT_BYTES = 8 * 1024;

const fieldName = z.string().min(1).max(256);

/** The heartbeat request body. Unknown keys are ignored, so an older server accepts a newer beacon. */
export const heartbeatSchema = z.object({
  pv: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 characters of A–Z, a–z, 0–9, "_" or "-"'),
  path: z.string().startsWith('/', 'must start with "/"').max(2048),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  visible: z.boolean(),
  focus: z
    .object({ field: fieldName, ms: z.number().min(0).max(Number.MAX_SAFE_INTEGER) })
    .nullish(),
  errors: z
    .array(z.object({ field: fieldName, message: z.string().max(512) }))
    .max(50)
    .optional(),
  offer: z
    .object({
      id: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 characters of A–Z, a–z, 0–9, "_" or "-"'),
      state: z.string().regex(/^[a-z-]{1,32}$/, 'must be an offer state such as "shown"'),
    })
    .nullish(),
});

/** A validated heartbeat. */
export type Heartbeat = z.output<typeof heartbeatSchema>;

/** An offer the heartbeat reply carries (filled in by the offers part). */
export interface OfferReply {
  id: string;
  kind: string;
  html: string;
  expiresInMs: number;
  reasons: string[];
}

/** The heartbeat reply: when to send the next one, an offer due now, offers taken back. */
export interface HeartbeatReply {
  /** Milliseconds until the next heartbeat. */
  next: number;
  offer: OfferReply | null;
  /** Ids of shown offers the server takes back. */
  withdraw: string[];
  /** The visitor's open conversation: a page of the site reopens its chat panel from it. */
  conversation: { id: string } | null;
}

/**
 * Validates a parsed JSON body. On failure, a message naming the offending fields
 * (`"seq: expected int, received string; visible: …"`).
 */
export function parseHeartbeat(
  body: unknown,
): { ok: true; heartbeat: Heartbeat } | { ok: false; reason: string } {
  const result = heartbeatSchema.safeParse(body);
  if (result.success) return { ok: true, heartbeat: result.data };
  const reason = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}
