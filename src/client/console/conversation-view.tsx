/** The open conversation: the visitor's page (live), the messages, typing, reply, context. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleConversation } from './apply-event.js';
import type { ConsoleStore } from './create-console-store.js';
import { ReplyBox } from './reply-box.js';
import { TransferForm } from './transfer-form.js';
import { VisitorContext } from './visitor-context.js';

export function ConversationView({
  conversation,
  store,
}: {
  conversation: ConsoleConversation;
  store: ConsoleStore;
}) {
  const { info, messages, ended } = conversation;
  const [transferring, setTransferring] = useState(false);
  const log = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, info.id]);
  useEffect(() => setTransferring(false), [info.id]);

  return (
    <section class="chat" aria-labelledby="chat-title">
      <div class="chat-head">
        <h2 id="chat-title">
          Visitor on <span class="path">{info.path}</span>
        </h2>
        <span>{info.trigger}</span>
        <div class="actions">
          {ended ? (
            <button type="button" onClick={() => store.dismiss(info.id)}>
              Close
            </button>
          ) : (
            <>
              <button
                type="button"
                aria-expanded={transferring ? 'true' : 'false'}
                onClick={() => {
                  void store.refreshInfo();
                  setTransferring(!transferring);
                }}
              >
                Transfer…
              </button>
              <button type="button" onClick={() => void store.end(info.id)}>
                End chat
              </button>
            </>
          )}
        </div>
      </div>
      {transferring && !ended && (
        <TransferForm
          info={store.info.value}
          onTransfer={(to, note) => store.transfer(info.id, to, note)}
          onCancel={() => setTransferring(false)}
        />
      )}
      <div class="chat-body">
        <div class="chat-main">
          <div class="log" role="log" aria-label="Conversation" ref={log}>
            {info.transferNote && (
              <p class="note">
                <strong>Transfer note: </strong>
                {info.transferNote}
              </p>
            )}
            {messages.map((m) => (
              <p key={m.id} class={`msg ${m.from}`}>
                <span class="who">
                  {m.from === 'visitor' ? 'Visitor' : m.from === 'agent' ? (m.name ?? 'Agent') : ''}
                </span>
                {m.text}
              </p>
            ))}
            {ended && <p class="msg system">Ended: {ended.reason || ended.by}</p>}
          </div>
          <div class="typing">{conversation.visitorTyping ? 'The visitor is typing…' : ''}</div>
          <ReplyBox
            key={info.id}
            canned={store.info.value?.cannedReplies ?? []}
            disabled={ended !== null}
            onSend={(text) => store.send(info.id, text)}
            onTyping={() => store.typing(info.id, true)}
          />
        </div>
        <aside class="context" aria-label="Why this visitor is here">
          <VisitorContext info={info} now={store.now.value} />
        </aside>
      </div>
    </section>
  );
}
