/**
 * The visitors waiting for an agent, with the decision's context. Assignment is automatic:
 * the queue is there to see, not to pick from, so it has no buttons.
 */
import type { ConversationInfo } from './apply-event.js';
import { VisitorContext } from './visitor-context.js';

export function QueueList({ queue, now }: { queue: ConversationInfo[]; now: number }) {
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Queue ({queue.length})</h2>
      {queue.length === 0 ? (
        <p class="empty">Nobody is waiting.</p>
      ) : (
        <ol class="plain" aria-label="Visitors waiting">
          {queue.map((info) => (
            <li key={info.id} class="queue-item context">
              <VisitorContext info={info} now={now} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
