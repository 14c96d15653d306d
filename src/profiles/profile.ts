/**
 * A saved customer profile (claim 2): free JSON fields such as `{ "assist": true }`, matched
 * by equality in `profile:` trigger conditions. helpgate itself maintains `acceptedBefore`.
 */

/** A profile: a JSON object. */
export type Profile = Record<string, unknown>;

/** Longest customer id kept; longer ids are ignored, never truncated into another customer's. */
export const MAX_CUSTOMER_ID_LENGTH = 256;
/** Largest profile, as JSON. */
export const MAX_PROFILE_BYTES = 16 * 1024;

/** Whether `id` can name a customer: 1–256 printable characters without spaces or controls. */
export function isCustomerId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_CUSTOMER_ID_LENGTH && /^[\x21-\x7e]+$/.test(id);
}

/**
 * Why `value` cannot be stored as a profile, or `undefined` when it can: it must be a JSON
 * object within {@link MAX_PROFILE_BYTES}, without prototype-changing keys at any depth.
 */
export function checkProfile(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'a profile is a JSON object, e.g. {"assist": true}';
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return 'not serialisable as JSON';
  }
  if (Buffer.byteLength(json) > MAX_PROFILE_BYTES) {
    return `larger than ${MAX_PROFILE_BYTES} bytes as JSON`;
  }
  // Merging such a profile into another object later could change that object's prototype.
  if (/"(?:__proto__|constructor|prototype)"\s*:/.test(json)) {
    return 'keys "__proto__", "constructor" and "prototype" are not allowed';
  }
  return undefined;
}
