/**
 * `acceptedBefore`, the profile field helpgate maintains itself: once a customer accepted an
 * offer, a `profile: { acceptedBefore: true }` condition can match them (claim 2).
 */
import type { ProfileStore } from './profile-store.js';

/** Records that `customerId` accepted an offer (the offers part calls this on accept). */
export async function recordAcceptance(
  profiles: ProfileStore,
  customerId: string | null | undefined,
): Promise<void> {
  if (!customerId) return;
  await profiles.merge(customerId, { acceptedBefore: true });
}
