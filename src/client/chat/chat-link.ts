/**
 * The conversation's event stream, one per browser rather than one per tab: HTTP/1.1 allows six
 * connections per origin, and the site's own pages need them. The tab holding a Web Lock named
 * after the conversation is the leader: it keeps the EventSource and passes every event to
 * the other tabs over a BroadcastChannel; when it closes, the lock goes to another tab, which
 * reconnects from the last id it was passed. A tab that joins asks the leader for its view.
 * Without Web Locks every tab leads (older browsers; the server closes the oldest of more than
 * three streams).
 *
 * A browser's EventSource reconnects by itself after a dropped connection, but gives up for
 * good on any answer other than 200 (a deploy's 502, a restart's 503): then this link checks
 * the stream with `fetch` after a growing delay, and reopens it once the server answers 200,
 * resuming with `?lastEventId=`. 401, 403 and 404 mean the conversation is not there any more.
 */
import { safely } from '../_safely.js';
import type { ChatView, StreamEvent } from './chat-view.js';

const EVENTS = ['queued', 'assigned', 'message', 'typing', 'ended', 'reset'];
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export interface ChatLinkOptions {
  conversationId: string;
  /** `{prefix}chat/{id}/events`. */
  eventsUrl: string;
  /** The id to resume from. */
  lastId(): string | null;
  /** This tab's view, for a tab that joins while this one leads. */
  view(): ChatView;
  onEvent(event: StreamEvent): void;
  /** The view of the leading tab, for a tab that joins. */
  onView(view: unknown): void;
  /** Whether the stream is connected now. */
  onConnection(up: boolean): void;
  /** The server no longer has the conversation for this visitor (or has nothing more). */
  onGone(): void;
}

export interface ChatLink {
  /** Closes the stream (if this tab has it) and leaves the other tabs to themselves. */
  stop(): void;
}

interface Note {
  hello?: boolean;
  event?: StreamEvent;
  view?: unknown;
  up?: boolean;
}

export function createChatLink(options: ChatLinkOptions): ChatLink {
  const name = `helpgate-chat-${options.conversationId}`;
  let channel: BroadcastChannel | null = null;
  try {
    channel = new BroadcastChannel(name);
  } catch {
    // No BroadcastChannel: this tab keeps its own stream.
  }
  const waiting = typeof AbortController === 'function' ? new AbortController() : null;
  let leading = false;
  let stopped = false;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = FIRST_RETRY_MS;
  let release = () => {};

  const tell = (note: Note) => {
    try {
      channel?.postMessage(note);
    } catch {
      // A closed channel: nobody listens any more.
    }
  };

  let up = false;
  const connection = (connected: boolean) => {
    up = connected;
    options.onConnection(connected);
    tell({ up: connected });
  };

  channel?.addEventListener(
    'message',
    safely((message: MessageEvent) => {
      const note = (message.data ?? {}) as Note;
      if (note.hello) {
        if (leading) tell({ view: options.view(), up });
        return;
      }
      if (leading) return;
      if (note.event) options.onEvent(note.event);
      if (note.view) options.onView(note.view);
      if (typeof note.up === 'boolean') options.onConnection(note.up);
    }),
  );

  const url = () => {
    const last = options.lastId();
    return last
      ? `${options.eventsUrl}?lastEventId=${encodeURIComponent(last)}`
      : options.eventsUrl;
  };

  function open(): void {
    if (stopped) return;
    const stream = new EventSource(url());
    source = stream;
    stream.addEventListener('open', () => {
      delay = FIRST_RETRY_MS;
      connection(true);
    });
    for (const type of EVENTS) {
      stream.addEventListener(
        type,
        safely((message: MessageEvent) => {
          // `typing` has no id; the browser would report the previous event's.
          const event: StreamEvent = {
            type,
            data: JSON.parse(message.data as string),
            id: type === 'typing' ? null : message.lastEventId || null,
          };
          options.onEvent(event);
          tell({ event });
        }),
      );
    }
    stream.addEventListener('error', () => {
      if (stopped) return;
      connection(false);
      if (stream.readyState === EventSource.CLOSED) {
        stream.close();
        source = null;
        retry();
      }
    });
  }

  function retry(): void {
    clearTimeout(timer);
    // A little jitter, so the browsers of a restarted instance do not all come back at once.
    timer = setTimeout(probe, delay * (0.8 + Math.random() * 0.4));
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }

  function probe(): void {
    if (stopped) return;
    const controller = new AbortController();
    fetch(url(), {
      credentials: 'same-origin',
      headers: { Accept: 'text/event-stream' },
      cache: 'no-store',
      signal: controller.signal,
    }).then(
      (response) => {
        // Only the status is wanted: the stream itself is opened as an EventSource.
        controller.abort();
        if (stopped) return;
        const status = response.status;
        if (status === 200) open();
        else if (status === 204 || status === 401 || status === 403 || status === 404) {
          options.onGone();
        } else retry();
      },
      () => {
        if (!stopped) retry();
      },
    );
  }

  const lead = () =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve();
      leading = true;
      release = resolve;
      // A tab whose hello came before this one led hears what it knows now.
      tell({ view: options.view() });
      open();
    });

  if (navigator.locks && channel) {
    navigator.locks.request(name, { signal: waiting?.signal }, lead).catch(() => {
      // Given up waiting (the conversation ended or changed).
    });
  } else {
    void lead();
  }
  tell({ hello: true });

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      leading = false;
      clearTimeout(timer);
      source?.close();
      source = null;
      waiting?.abort();
      release();
      channel?.close();
    },
  };
}
