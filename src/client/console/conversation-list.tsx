/** My conversations: the open one marked, unread counts, the new ones alerting. */
import type { ConsoleConversation } from './apply-event.js';

export function ConversationList(props: {
  conversations: ConsoleConversation[];
  openId: string | null;
  onOpen: (id: string) => void;
}) {
  const { conversations, openId, onOpen } = props;
  return (
    <section aria-labelledby="mine-title">
      <h2 id="mine-title">My conversations ({conversations.filter((c) => !c.ended).length})</h2>
      {conversations.length === 0 ? (
        <p class="empty">No conversations yet.</p>
      ) : (
        <ul class="plain">
          {conversations.map((c) => (
            <li key={c.info.id} class="conv-item">
              <button
                type="button"
                aria-current={c.info.id === openId ? 'true' : undefined}
                class={c.info.unanswered && !c.ended ? 'alerting' : undefined}
                onClick={() => onOpen(c.info.id)}
              >
                <span class="path">{c.info.path}</span>
                {c.unread > 0 && !c.ended && (
                  <span class="badge">
                    {c.unread}
                    <span class="visually-hidden"> unread</span>
                  </span>
                )}
                <br />
                <small>
                  {c.ended
                    ? 'ended'
                    : c.info.unanswered
                      ? 'new: not answered yet'
                      : c.visitorTyping
                        ? 'typing…'
                        : (c.messages[c.messages.length - 1]?.text.slice(0, 60) ?? '')}
                </small>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
