/**
 * What a shared store says of itself, for `healthz`: `ok` while it answers, `unavailable` with
 * a short reason (no address, no credentials: healthz is public) while it cannot be reached.
 */
export type StoreHealth = { status: 'ok' } | { status: 'unavailable'; reason: string };
