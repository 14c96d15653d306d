/**
 * The console: my status, alerts, my conversations, the queue and the open conversation, with
 * the keyboard shortcuts (Alt+↓/↑ next/previous conversation, Alt+R reply box, Alt+E end).
 */
import { useEffect, useState } from 'preact/hooks';
import { ConversationList } from './conversation-list.js';
import { ConversationView } from './conversation-view.js';
import type { ConsoleStore } from './create-console-store.js';
import { QueueList } from './queue-list.js';
import { StatusPicker } from './status-picker.js';

export interface AlertToggles {
  sound: boolean;
  notify: boolean;
}

export function ConsoleApp({
  store,
  toggles,
  onToggles,
}: {
  store: ConsoleStore;
  toggles: AlertToggles;
  onToggles: (next: AlertToggles) => void;
}) {
  const { conversations, queue } = store.state.value;
  const openId = store.openId.value;
  const open = conversations.find((c) => c.info.id === openId) ?? null;
  const info = store.info.value;
  const [, redraw] = useState(0);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const list = store.state.value.conversations;
      const at = list.findIndex((c) => c.info.id === store.openId.value);
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (list.length === 0) return;
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        store.open(list[(at + step + list.length) % list.length]!.info.id);
      } else if (e.code === 'KeyR') {
        e.preventDefault();
        document.getElementById('reply')?.focus();
      } else if (e.code === 'KeyE' && store.openId.value) {
        e.preventDefault();
        void store.end(store.openId.value);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [store]);

  return (
    <>
      <header class="bar">
        <h1>helpgate console</h1>
        <span>{info?.role === 'admin' ? 'Supervisor' : (info?.agent?.name ?? '')}</span>
        {info?.role === 'admin' && <a href={`${store.prefix}console/supervisor`}>Charts</a>}
        <StatusPicker store={store} />
        <span class="spacer" />
        <label>
          <input
            type="checkbox"
            checked={toggles.sound}
            onChange={(e) => onToggles({ ...toggles, sound: e.currentTarget.checked })}
          />{' '}
          Sound
        </label>
        <label>
          <input
            type="checkbox"
            checked={toggles.notify}
            onChange={async (e) => {
              const wanted = e.currentTarget.checked;
              if (wanted && typeof Notification !== 'undefined') {
                await Notification.requestPermission();
              }
              onToggles({ ...toggles, notify: wanted });
              redraw((n) => n + 1);
            }}
          />{' '}
          Notifications
        </label>
        <button type="button" onClick={() => void store.logout()}>
          Log out
        </button>
      </header>
      {!store.connected.value && (
        <p class="offline" role="status">
          Reconnecting… the screen is read again once the connection is back.
        </p>
      )}
      {store.problem.value && (
        <p class="offline error" role="alert">
          {store.problem.value}
        </p>
      )}
      <p class="visually-hidden" role="status" aria-live="polite">
        {store.announcement.value}
      </p>
      <main class="layout">
        <aside class="side">
          <ConversationList
            conversations={conversations}
            openId={openId}
            onOpen={(id) => store.open(id)}
          />
          <QueueList queue={queue} now={store.now.value} />
        </aside>
        {open ? (
          <ConversationView conversation={open} store={store} />
        ) : (
          <section class="chat">
            <p class="empty">
              {info?.role === 'admin'
                ? "Every agent's conversations appear here; you may answer, transfer or end them."
                : info?.agent?.status === 'available'
                  ? 'Waiting for visitors. New conversations open here by themselves.'
                  : 'Set yourself Available to receive visitors.'}
            </p>
          </section>
        )}
      </main>
      <p class="keys" id="keys-help">
        Keys: <kbd>Alt</kbd>+<kbd>↓</kbd>/<kbd>↑</kbd> next/previous conversation, <kbd>Alt</kbd>+
        <kbd>R</kbd> reply box, <kbd>Alt</kbd>+<kbd>E</kbd> end the chat, <kbd>/</kbd> canned
        replies, <kbd>Enter</kbd> send.
      </p>
    </>
  );
}
