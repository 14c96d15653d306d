/**
 * Noticeable arrivals: the unread count in the tab title, a short generated beep (WebAudio,
 * no media file) even while the console has focus, and an optional desktop notification. The
 * beep repeats until I first reply to each new conversation. Browsers let a page make sound
 * only after a user gesture: the login click (or the first click or key after a reload)
 * unlocks it.
 */
import { effect } from '@preact/signals';
import { alerting } from './apply-event.js';
import type { ConsoleStore } from './create-console-store.js';
import { titleFor } from './format.js';

/** How often the alert sounds again while a new conversation waits for my first reply. */
export const REPEAT_MS = 8_000;

let context: AudioContext | undefined;

/** Creates (or resumes) the audio context; call it inside a click or key handler. */
export function unlockAudio(): void {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume();
  } catch {
    // No audio here: the title and the status region still tell.
  }
}

/** Two short tones, 880 Hz then 660 Hz. */
export function beep(): void {
  if (context?.state !== 'running') return;
  const at = context.currentTime;
  for (const [offset, frequency] of [
    [0, 880],
    [0.18, 660],
  ] as const) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at + offset);
    gain.gain.exponentialRampToValueAtTime(0.25, at + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + offset + 0.15);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at + offset);
    oscillator.stop(at + offset + 0.16);
  }
}

export interface AlertSettings {
  sound: boolean;
  notify: boolean;
}

/** Wires the store's events to the title, the sound and notifications. */
export function startAlerts(store: ConsoleStore, settings: () => AlertSettings): void {
  effect(() => {
    document.title = titleFor(store.unread.value);
  });
  const resume = () => unlockAudio();
  document.addEventListener('pointerdown', resume, { once: true, capture: true });
  document.addEventListener('keydown', resume, { once: true, capture: true });

  const notify = (title: string, body: string) => {
    if (!settings().notify || typeof Notification === 'undefined') return;
    if (Notification.permission !== 'granted') return;
    try {
      new Notification(title, { body, tag: 'helpgate' });
    } catch {
      // Some browsers allow notifications only from a service worker: the sound still goes.
    }
  };
  const sound = () => {
    if (settings().sound) beep();
  };

  let waiting = new Set<string>();
  store.onEvent(({ event, data }) => {
    if (event === 'snapshot' || event === 'queue') {
      const queue = store.state.value.queue;
      const arrived = queue.filter((q) => !waiting.has(q.id));
      waiting = new Set(queue.map((q) => q.id));
      // Said, not sounded: the queue is there to see; nobody picks from it.
      if (event === 'queue' && arrived.length > 0) {
        store.announce(`A visitor is waiting; ${queue.length} in the queue`);
      }
    }
    const d = data as {
      conversation?: { path: string };
      conversationId?: string;
      message?: { from: string };
    };
    if (event === 'assigned' && d.conversation) {
      const text = `New conversation: a visitor on ${d.conversation.path}`;
      store.announce(text);
      sound();
      notify('New conversation', text);
    } else if (event === 'message' && d.message?.from === 'visitor') {
      const conversation = store.state.value.conversations.find(
        (c) => c.info.id === d.conversationId,
      );
      if (conversation && (conversation.info.id !== store.openId.value || !document.hasFocus())) {
        store.announce(`New message from the visitor on ${conversation.info.path}`);
        sound();
      }
    }
  });
  setInterval(() => {
    const waiting = alerting(store.state.value);
    if (waiting.length > 0) sound();
  }, REPEAT_MS);
}
