/**
 * When a wait promised to a visitor counts as kept or broken (issue "a promised wait that
 * holds"): the one definition the metrics, `api/stats` and `helpgate simulate` share.
 *
 * A promise is the wait told in the accept reply (`promisedWaitSeconds`), and only a visitor
 * who was queued has one to judge: one assigned at once was promised 0 s and waited 0 s.
 * - Assigned to an agent: kept when the wait (acceptance → assignment) was at most the
 *   promise, broken otherwise.
 * - Left the queue (ended, or abandoned) before an agent came: broken when they had already
 *   waited longer than promised, else not judged (they did not wait to see).
 * - No promise (`null`: no agent was available when they accepted): not judged.
 */
export type PromiseVerdict = 'kept' | 'broken';

export interface PromiseFacts {
  acceptedAt: number;
  promisedWaitSeconds: number | null;
}

/** The verdict when the queued visitor was assigned at `assignedAt`; null when no promise was made. */
export function judgeOnAssignment(facts: PromiseFacts, assignedAt: number): PromiseVerdict | null {
  if (facts.promisedWaitSeconds === null || facts.promisedWaitSeconds <= 0) return null;
  return assignedAt - facts.acceptedAt <= facts.promisedWaitSeconds * 1000 ? 'kept' : 'broken';
}

/** The verdict when the queued visitor left at `leftAt` without an agent; null when not judged. */
export function judgeOnLeaving(facts: PromiseFacts, leftAt: number): PromiseVerdict | null {
  if (facts.promisedWaitSeconds === null || facts.promisedWaitSeconds <= 0) return null;
  return leftAt - facts.acceptedAt > facts.promisedWaitSeconds * 1000 ? 'broken' : null;
}
