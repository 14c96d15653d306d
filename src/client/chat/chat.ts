/**
 * chat.js: the visitor's side of a conversation with an agent, loaded by the beacon only once
 * there is one (on accept, or when a heartbeat reply names it on a later page). Its tag gives
 * the conversation (`data-conversation`) and the prefix (its own `src`). The panel opens with
 * the history this tab kept (sessionStorage) and resumes the stream from the last event id
 * seen; the server replays what was missed, or sends a `reset` when that is no longer kept.
 *
 * Like the beacon it never evaluates code, writes to the console or lets an exception reach
 * the page.
 */
import { forgetChat } from '../_current-chat.js';
import { safely } from '../_safely.js';
import { HOST_TAG, widgetHost } from '../_widget-host.js';
import { forget, keep, recall } from './_storage.js';
import { createChatLink } from './chat-link.js';
import { createChatPanel, type Pending } from './chat-panel.js';
import {
  adoptView,
  applyStreamEvent,
  asMessage,
  type ChatView,
  INITIAL_VIEW,
  type StreamEvent,
} from './chat-view.js';

/** Offline this long before the panel says "Reconnecting…": a blip goes unmentioned. */
const RECONNECTING_AFTER_MS = 4_000;
/** Typing stops counting this long after the last keystroke. */
const TYPING_IDLE_MS = 4_000;
const FIRST_SEND_RETRY_MS = 2_000;
const MAX_SEND_RETRY_MS = 30_000;
/** Events arriving together (a replay) are rendered together, as history. */
const RENDER_DELAY_MS = 30;

interface Chat {
  stop(): void;
}

const ignore = () => {};

function startChat(conversationId: string, base: string): Chat | null {
  const widget = widgetHost();
  if (widget === null) return null;
  const kept = recall(conversationId);
  if (kept?.view.chat.state === 'ended') {
    // Seen to its end on an earlier page: nothing more to show.
    forget(conversationId);
    forgetChat();
    return null;
  }
  const url = (action: string) =>
    new URL(`chat/${encodeURIComponent(conversationId)}/${action}`, base).href;
  const post = (action: string, body: unknown) =>
    fetch(url(action), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      // A message sent as the visitor follows a link still arrives.
      keepalive: true,
    });

  let view: ChatView = kept?.view ?? INITIAL_VIEW;
  let nextKey = 1;
  let pending: Pending[] = (kept?.unsent ?? []).map((text) => ({
    key: nextKey++,
    text,
    state: 'queued',
  }));
  let opened = kept ? kept.open : true;
  let reconnecting = false;
  let gone = false;
  let stopped = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let renderTimer: ReturnType<typeof setTimeout> | undefined;

  const save = () =>
    keep(conversationId, {
      view,
      open: opened,
      // A message on its way goes on (keepalive); one still waiting goes with the next page.
      unsent: pending.filter((p) => p.state === 'queued').map((p) => p.text),
    });

  const render = () => {
    clearTimeout(renderTimer);
    renderTimer = undefined;
    panel.render(view, { pending, reconnecting, gone });
  };
  const scheduleRender = () => {
    renderTimer ??= setTimeout(safely(render), RENDER_DELAY_MS);
  };

  const changePending = (key: number, change: Partial<Pending>) => {
    pending = pending.map((p) => (p.key === key ? { ...p, ...change } : p));
  };
  /** Messages the stream has brought back are shown from the log, not as pending. */
  const dropDelivered = () => {
    const ids = new Set(view.chat.messages.map((m) => m.id));
    if (pending.some((p) => p.id !== undefined && ids.has(p.id))) {
      pending = pending.filter((p) => p.id === undefined || !ids.has(p.id));
    }
  };

  function update(next: ChatView): void {
    if (next === view) return;
    view = next;
    dropDelivered();
    save();
    scheduleRender();
    if (view.chat.state === 'ended') finish();
  }

  function finish(): void {
    link.stop();
    stopTyping(false);
    clearTimeout(reconnectTimer);
    clearTimeout(sendTimer);
    reconnecting = false;
    pending = pending.map((p) => (p.state === 'sent' ? p : { ...p, state: 'failed' }));
    save();
    scheduleRender();
  }

  // Sending: one message at a time, in order; what cannot go now waits and is retried.
  let flushing = false;
  let sendDelay = FIRST_SEND_RETRY_MS;
  let sendTimer: ReturnType<typeof setTimeout> | undefined;

  const retryLater = (key: number, ms: number) => {
    changePending(key, { state: 'queued' });
    clearTimeout(sendTimer);
    sendTimer = setTimeout(
      safely(() => {
        sendTimer = undefined;
        flush();
      }),
      ms,
    );
    sendDelay = Math.min(sendDelay * 2, MAX_SEND_RETRY_MS);
    save();
    scheduleRender();
  };

  function flush(): void {
    if (flushing || stopped || view.chat.state === 'ended' || gone) return;
    const item = pending.find((p) => p.state === 'queued');
    if (item === undefined) return;
    flushing = true;
    clearTimeout(sendTimer);
    sendTimer = undefined;
    changePending(item.key, { state: 'sending' });
    scheduleRender();
    post('messages', { text: item.text })
      .then(async (response) => {
        if (response.ok) {
          const message = asMessage(await response.json().catch(() => null));
          changePending(item.key, { state: 'sent', ...(message && { id: message.id }) });
          dropDelivered();
          sendDelay = FIRST_SEND_RETRY_MS;
        } else if (response.status === 429 || response.status === 408 || response.status >= 500) {
          const after = Number(response.headers.get('Retry-After')) * 1000;
          retryLater(item.key, after > 0 ? after : sendDelay);
        } else {
          // Refused for good (too long, the chat ended): said beside the message.
          changePending(item.key, { state: 'failed' });
        }
      })
      .catch(() => retryLater(item.key, sendDelay))
      .then(
        safely(() => {
          flushing = false;
          save();
          scheduleRender();
          if (pending.some((p) => p.state === 'queued') && sendTimer === undefined) flush();
        }),
      );
  }

  // Typing: `true` once when the visitor starts, `false` after a pause, on leaving the field,
  // and never after a send (the server ends it with the message).
  let typingSent = false;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  function stopTyping(tell: boolean): void {
    clearTimeout(typingTimer);
    if (!typingSent) return;
    typingSent = false;
    if (tell && view.chat.state === 'assigned') post('typing', { typing: false }).catch(ignore);
  }

  const panel = createChatPanel(
    widget,
    {
      send(text) {
        stopTyping(false);
        pending = [...pending, { key: nextKey++, text, state: 'queued' }];
        save();
        scheduleRender();
        flush();
      },
      typing() {
        if (view.chat.state !== 'assigned') return;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(
          safely(() => stopTyping(true)),
          TYPING_IDLE_MS,
        );
        if (typingSent) return;
        typingSent = true;
        post('typing', { typing: true }).catch(ignore);
      },
      idle: () => stopTyping(true),
      end() {
        post('end', {}).then(
          safely((response: Response) => {
            if (!response.ok) return;
            const ended = { by: 'visitor', reason: 'the visitor ended the chat' };
            update(applyStreamEvent(view, { type: 'ended', data: ended }));
          }),
          ignore,
        );
      },
      close() {
        stop();
        forget(conversationId);
        forgetChat();
      },
      toggled(open) {
        opened = open;
        save();
      },
    },
    opened,
  );

  const connection = (up: boolean) => {
    if (up) {
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      if (reconnecting) {
        reconnecting = false;
        scheduleRender();
      }
      flush();
      return;
    }
    if (reconnecting || reconnectTimer !== undefined) return;
    reconnectTimer = setTimeout(
      safely(() => {
        reconnectTimer = undefined;
        reconnecting = true;
        scheduleRender();
      }),
      RECONNECTING_AFTER_MS,
    );
  };

  const link = createChatLink({
    conversationId,
    eventsUrl: url('events'),
    lastId: () => view.lastId,
    view: () => view,
    onEvent: (event: StreamEvent) => update(applyStreamEvent(view, event)),
    onView: (offered) => update(adoptView(view, offered)),
    onConnection: connection,
    onGone() {
      if (view.chat.state === 'ended') return;
      gone = true;
      finish();
      // Said here; the next page has nothing to reopen.
      forget(conversationId);
      forgetChat();
    },
  });

  const onPageHide = safely(() => {
    // Leaving mid-word: the agent should not see "typing" until the next page says otherwise.
    if (typingSent && navigator.sendBeacon) {
      typingSent = false;
      navigator.sendBeacon(url('typing'), JSON.stringify({ typing: false }));
    }
  });
  addEventListener('pagehide', onPageHide);

  render();
  if (opened && kept === null) {
    // Just accepted: the visitor's focus was on the offer, now gone. Never taken from a field.
    // The removed offer may leave the widget's host as the document's active element.
    const active = document.activeElement;
    panel.open(active === null || active === document.body || active.localName === HOST_TAG);
  }
  flush();

  function stop(): void {
    if (stopped) return;
    stopped = true;
    link.stop();
    stopTyping(true);
    clearTimeout(reconnectTimer);
    clearTimeout(renderTimer);
    clearTimeout(sendTimer);
    removeEventListener('pagehide', onPageHide);
    panel.remove();
  }
  return { stop };
}

safely(() => {
  const script = document.currentScript;
  if (!(script instanceof HTMLScriptElement) || !script.src || typeof fetch !== 'function') return;
  if (typeof EventSource !== 'function') return;
  // `{prefix}chat.js?v=…` → `{prefix}`.
  const base = new URL('.', script.src).href;
  let current: { id: string; chat: Chat | null } | null = null;
  const show = (conversationId: string) => {
    if (!conversationId || current?.id === conversationId) return;
    current?.chat?.stop();
    current = { id: conversationId, chat: startChat(conversationId, base) };
  };
  show(script.getAttribute('data-conversation') ?? '');
  widgetHost()?.host.addEventListener(
    'helpgate:conversation',
    safely((event: Event) => {
      const detail = (event as CustomEvent<{ id?: unknown }>).detail;
      if (typeof detail?.id === 'string') show(detail.id);
    }),
  );
})();
