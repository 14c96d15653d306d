/**
 * The console's one store: signals fed by `api/events` through the pure `applyEvent`, and the
 * actions the components call (each change a same-origin request with the CSRF header).
 */
import { batch, computed, signal } from '@preact/signals';
import {
  applyEvent,
  type ConsoleState,
  dismiss,
  INITIAL_STATE,
  markRead,
  unreadCount,
} from './apply-event.js';

export type AgentStatus = 'available' | 'busy' | 'away';

/** What `console/state` says: who I am, my status, my colleagues, the canned replies. */
export interface ConsoleInfo {
  role: 'agent' | 'admin';
  agent: { id: string; name: string; status: AgentStatus; capacity: number } | null;
  agents: Array<{
    id: string;
    name: string;
    status: AgentStatus;
    capacity: number;
    conversations: number;
  }>;
  cannedReplies: Array<{ key: string; text: string }>;
}

export interface ConsoleSetup {
  prefix: string;
  csrf: string;
}

/** How often my status and my colleagues' are read again (a contact-centre system may change them). */
const INFO_REFRESH_MS = 10_000;

export function createConsoleStore(setup: ConsoleSetup) {
  const { prefix, csrf } = setup;
  const state = signal<ConsoleState>(INITIAL_STATE);
  const info = signal<ConsoleInfo | null>(null);
  const openId = signal<string | null>(null);
  const connected = signal(false);
  const loggedOut = signal(false);
  /** The latest announcement for the status region (arrivals, messages elsewhere). */
  const announcement = signal('');
  /** The last error an action met, in words. */
  const problem = signal('');
  const now = signal(Date.now());
  const unread = computed(() => unreadCount(state.value));
  const listeners = new Set<(event: { event: string; data: unknown }) => void>();

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { 'x-helpgate-csrf': csrf };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${prefix}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (res.status === 401) loggedOut.value = true;
    if (!res.ok && res.status !== 401) {
      let message = `${res.status}`;
      try {
        message = ((await res.clone().json()) as { error: { message: string } }).error.message;
      } catch {
        // A body that is not the catalogue's: the status says enough.
      }
      problem.value = message;
    } else problem.value = '';
    return res;
  }

  async function refreshInfo(): Promise<void> {
    try {
      const res = await call('GET', 'console/state');
      if (res.ok) info.value = (await res.json()) as ConsoleInfo;
    } catch {
      connected.value = false;
    }
  }

  function dispatch(event: { event: string; data: unknown }) {
    batch(() => {
      // Messages of the open conversation are read only while someone can see them.
      const seen = document.hasFocus() ? openId.value : null;
      state.value = applyEvent(state.value, event, seen);
      if (
        openId.value === null ||
        !state.value.conversations.some((c) => c.info.id === openId.value)
      ) {
        openId.value = state.value.conversations.find((c) => c.ended === null)?.info.id ?? null;
      }
    });
    for (const listener of listeners) listener(event);
  }

  let source: EventSource | undefined;
  function connect(): void {
    source = new EventSource(`${prefix}api/events`, { withCredentials: true });
    const names = [
      'snapshot',
      'queue',
      'assigned',
      'message',
      'typing',
      'page',
      'ended',
      'transferred',
    ];
    for (const name of names) {
      source.addEventListener(name, (e) => {
        let data: unknown;
        try {
          data = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return;
        }
        if (name === 'snapshot') {
          connected.value = true;
          // A reconnect re-reads everything the screen shows, my status included.
          void refreshInfo();
        }
        dispatch({ event: name, data });
      });
    }
    source.addEventListener('error', () => {
      connected.value = false;
      // A closed source was refused (a 401 after logout or a token change): ask who I am.
      if (source?.readyState === EventSource.CLOSED) {
        void refreshInfo().then(() => {
          if (!loggedOut.value) setTimeout(connect, 2000);
        });
      }
    });
  }

  const tick = setInterval(() => {
    now.value = Date.now();
  }, 1000);
  const infoTimer = setInterval(() => void refreshInfo(), INFO_REFRESH_MS);

  const typingSent = new Map<string, number>();
  const typingStop = new Map<string, ReturnType<typeof setTimeout>>();

  return {
    prefix,
    state,
    info,
    openId,
    connected,
    loggedOut,
    announcement,
    problem,
    now,
    unread,
    /** Called with every stream event after it is folded in (alerts listen here). */
    onEvent(listener: (event: { event: string; data: unknown }) => void) {
      listeners.add(listener);
    },
    start() {
      void refreshInfo();
      connect();
      window.addEventListener('focus', () => {
        if (openId.value) state.value = markRead(state.value, openId.value);
      });
    },
    stop() {
      source?.close();
      clearInterval(tick);
      clearInterval(infoTimer);
    },
    open(id: string) {
      if (openId.value && openId.value !== id) this.typing(openId.value, false);
      batch(() => {
        openId.value = id;
        state.value = markRead(state.value, id);
      });
    },
    markRead(id: string) {
      state.value = markRead(state.value, id);
    },
    dismiss(id: string) {
      batch(() => {
        state.value = dismiss(state.value, id);
        if (openId.value === id) {
          openId.value = state.value.conversations.find((c) => c.ended === null)?.info.id ?? null;
        }
      });
    },
    announce(text: string) {
      // Cleared first, so the same words twice are announced twice.
      announcement.value = '';
      setTimeout(() => {
        announcement.value = text;
      }, 50);
    },
    async setStatus(status: AgentStatus) {
      const me = info.value?.agent;
      if (!me) return;
      const res = await call('PUT', `api/agents/${encodeURIComponent(me.id)}`, { status });
      if (res.ok) info.value = { ...info.value!, agent: { ...me, status } };
    },
    async send(id: string, text: string): Promise<boolean> {
      this.typing(id, false);
      const res = await call('POST', `api/conversations/${encodeURIComponent(id)}/messages`, {
        text,
      });
      if (res.ok) {
        const message = await res.json();
        dispatch({ event: 'message', data: { conversationId: id, message } });
      }
      return res.ok;
    },
    /** Tells the visitor I type (at most every 3 s), and that I stopped after 4 s of quiet. */
    typing(id: string, typing: boolean) {
      clearTimeout(typingStop.get(id));
      const last = typingSent.get(id) ?? 0;
      if (typing) {
        typingStop.set(
          id,
          setTimeout(() => this.typing(id, false), 4000),
        );
        if (Date.now() - last < 3000) return;
        typingSent.set(id, Date.now());
      } else {
        if (!typingSent.has(id)) return;
        typingSent.delete(id);
      }
      const conversation = state.value.conversations.find((c) => c.info.id === id);
      if (!conversation || conversation.ended) return;
      void call('POST', `api/conversations/${encodeURIComponent(id)}/typing`, { typing }).catch(
        () => {},
      );
    },
    async end(id: string) {
      this.typing(id, false);
      await call('DELETE', `api/conversations/${encodeURIComponent(id)}`);
    },
    async transfer(id: string, to: string, note: string): Promise<boolean> {
      this.typing(id, false);
      const res = await call('POST', `api/conversations/${encodeURIComponent(id)}/transfer`, {
        to,
        note,
      });
      if (res.ok) dispatch({ event: 'transferred', data: { conversationId: id, to } });
      await refreshInfo();
      return res.ok;
    },
    refreshInfo,
    async logout() {
      await call('POST', 'console/logout');
      source?.close();
      loggedOut.value = true;
    },
  };
}

export type ConsoleStore = ReturnType<typeof createConsoleStore>;
