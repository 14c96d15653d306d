/**
 * The chat panel in the page: a non-modal dialog in the shared `<helpgate-widget>` shadow root,
 * with a launcher button that minimises and restores it. Rendering compares the view before
 * and after and touches only what changed; everything from the server goes in as text.
 *
 * Screen readers hear the status line (`role="status"`: the place in line, the wait, who
 * joined, the end) and each new message (`role="log"`), never the history: a log built with
 * its history is swapped in whole, and a region inserted with its content is not read out.
 */
import type { ChatMessage } from '../../conversations/chat-event.js';
import { safely } from '../_safely.js';
import type { WidgetHost } from '../_widget-host.js';
import { CHAT_CSS } from './chat-styles.js';
import type { ChatView } from './chat-view.js';
import { statusText } from './wait-text.js';

/** A message the visitor wrote that the stream has not brought back yet. */
export interface Pending {
  key: number;
  text: string;
  /** Waiting to be sent (offline, or after another), on its way, accepted, or refused. */
  state: 'queued' | 'sending' | 'sent' | 'failed';
  /** The message's id once the server accepted it. */
  id?: string;
}

/** What the panel shows beside the view. */
export interface PanelExtras {
  pending: readonly Pending[];
  /** Offline for a few seconds already. */
  reconnecting: boolean;
  /** The server no longer has the conversation. */
  gone: boolean;
}

export interface PanelActions {
  send(text: string): void;
  /** The visitor typed. */
  typing(): void;
  /** The visitor left the field. */
  idle(): void;
  end(): void;
  /** The visitor closed a conversation that is over. */
  close(): void;
  /** The panel was opened or minimised (kept for the next page). */
  toggled(open: boolean): void;
}

export interface ChatPanel {
  render(view: ChatView, extras: PanelExtras): void;
  /** Opens the panel; `focus` moves focus to the message field (never on a page load). */
  open(focus: boolean): void;
  remove(): void;
}

/** How long "End chat" waits for its confirming second press. */
const CONFIRM_MS = 4_000;
const PANEL_ID = 'hg-chat';

// Keys typed in the panel must not reach the site's one-key shortcuts (retargeted to the host).
const stopKey = (event: Event) => event.stopPropagation();

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text: string, attributes: Record<string, string> = {}): HTMLButtonElement {
  return el('button', { type: 'button', ...attributes }, text);
}

/** The focused element, inside shadow roots too. */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

const timeOf = (at: string) => {
  const date = new Date(at);
  return Number.isNaN(date.getTime())
    ? ''
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
};

export function createChatPanel(
  widget: WidgetHost,
  actions: PanelActions,
  startOpen: boolean,
): ChatPanel {
  widget.adoptStyles('chat', CHAT_CSS);
  const { root } = widget;
  for (const type of ['keydown', 'keyup', 'keypress']) root.addEventListener(type, stopKey);

  const panel = el('section', {
    id: PANEL_ID,
    class: 'chat',
    role: 'dialog',
    'aria-labelledby': 'hg-chat-title',
  });
  const minimiseButton = button('–', { class: 'min', 'aria-label': 'Minimise chat' });
  const head = el('div', { class: 'head' });
  head.append(el('h2', { id: 'hg-chat-title' }, 'Chat with us'), minimiseButton);
  const status = el('p', { class: 'status', role: 'status' });
  const scroll = el('div', { class: 'scroll' });
  const newLog = () => el('div', { class: 'log', role: 'log', 'aria-label': 'Conversation' });
  let log = newLog();
  const pendingList = el('div', { class: 'pending' });
  scroll.append(log, pendingList);
  const typingLine = el('p', { class: 'typing' });
  typingLine.hidden = true;
  const form = el('form', { class: 'compose' });
  const field = el('textarea', {
    id: 'hg-chat-input',
    rows: '2',
    placeholder: 'Type your message',
    autocomplete: 'off',
  });
  const sendButton = el('button', { type: 'submit' }, 'Send');
  form.append(el('label', { class: 'sr', for: 'hg-chat-input' }, 'Message'), field, sendButton);
  const endButton = button('End chat', { class: 'end' });
  const foot = el('div', { class: 'foot' });
  foot.append(endButton);
  panel.append(head, status, scroll, typingLine, form, foot);
  const launcher = button('Chat', {
    class: 'chat-launcher',
    'aria-controls': PANEL_ID,
    'aria-expanded': 'false',
  });

  let opened = false;
  let previouslyFocused: Element | null = null;
  let unread = 0;
  let over = false;
  let confirming: ReturnType<typeof setTimeout> | undefined;
  /** The message ids shown in the log, in order, and their nodes. */
  let shown: string[] = [];
  const nodes = new Map<string, HTMLElement>();
  let before: { view: ChatView | null; extras: PanelExtras | null } = { view: null, extras: null };

  const setOpen = (open: boolean) => {
    opened = open;
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    if (open) unread = 0;
    launcher.textContent = unread > 0 ? `Chat (${unread} new)` : 'Chat';
    fit();
  };

  const open = (focus: boolean) => {
    if (!opened) {
      const active = deepActive();
      // Safari does not focus a clicked button: the launcher stands in for it.
      previouslyFocused = active && active !== document.body ? active : launcher;
      setOpen(true);
      actions.toggled(true);
    }
    if (focus) field.focus();
    scrollToEnd();
  };

  const minimise = () => {
    if (!opened) return;
    setOpen(false);
    actions.toggled(false);
    const back = previouslyFocused;
    previouslyFocused = null;
    if (back instanceof HTMLElement && back.isConnected) back.focus();
    else launcher.focus();
  };

  // On a phone the panel fills the visual viewport: it shrinks above the on-screen keyboard,
  // and a page wider than the screen makes the layout viewport (`inset: 0`) wider than it.
  const viewport = window.visualViewport;
  function fit(): void {
    const style = panel.style;
    const fill = viewport && opened && innerWidth <= 480;
    style.left = fill ? `${viewport.offsetLeft}px` : '';
    style.top = fill ? `${viewport.offsetTop}px` : '';
    style.width = fill ? `${viewport.width}px` : '';
    style.height = fill ? `${viewport.height}px` : '';
  }
  const onViewport = safely(fit);
  viewport?.addEventListener('resize', onViewport);
  viewport?.addEventListener('scroll', onViewport);

  const nearEnd = () => scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 80;
  function scrollToEnd(): void {
    scroll.scrollTop = scroll.scrollHeight;
  }

  function messageNode(message: ChatMessage, agentName: string | undefined): HTMLElement {
    const node = el('div', { class: `msg ${message.from}` });
    const who =
      message.from === 'visitor'
        ? 'You'
        : message.from === 'agent'
          ? message.name || agentName || 'Agent'
          : '';
    const time = timeOf(message.at);
    if (who) node.append(el('span', { class: 'who' }, time ? `${who}, ${time}` : who));
    node.append(el('p', {}, message.text));
    return node;
  }

  function renderMessages(view: ChatView, first: boolean): void {
    const messages = view.chat.messages;
    const ids = messages.map((m) => m.id);
    const agentName = view.chat.agent?.name;
    const isPrefix = shown.every((id, i) => ids[i] === id);
    const added = ids.length - shown.length;
    if (!first && isPrefix && added <= 1) {
      // A new message: appended to the log that is in the page, so it is announced.
      const follow = nearEnd();
      for (const message of messages.slice(shown.length)) {
        const node = messageNode(message, agentName);
        nodes.set(message.id, node);
        log.appendChild(node);
        if (!opened && message.from !== 'visitor') unread++;
      }
      shown = ids;
      if (follow) scrollToEnd();
      return;
    }
    // History (a page's first render, a replay, a reset, a trimmed log): built aside and
    // swapped in whole, so a screen reader does not read it all out.
    const fresh = newLog();
    for (const message of messages) {
      const node = nodes.get(message.id) ?? messageNode(message, agentName);
      nodes.set(message.id, node);
      fresh.appendChild(node);
    }
    for (const id of nodes.keys()) if (!ids.includes(id)) nodes.delete(id);
    log.replaceWith(fresh);
    log = fresh;
    shown = ids;
    scrollToEnd();
  }

  function renderPending(pending: readonly Pending[]): void {
    pendingList.replaceChildren(
      ...pending.map((item) => {
        const node = el('div', { class: `msg visitor pending ${item.state}` });
        node.append(el('p', {}, item.text));
        if (item.state !== 'sent') {
          const note = item.state === 'failed' ? 'Not sent' : 'Sending…';
          node.append(el('span', { class: 'note' }, note));
        }
        return node;
      }),
    );
    scrollToEnd();
  }

  const listen = <E extends Event>(target: EventTarget, type: string, fn: (event: E) => void) =>
    target.addEventListener(type, safely(fn as (event: Event) => void));

  const submit = () => {
    const text = field.value;
    if (!text.trim() || field.disabled) return;
    field.value = '';
    actions.send(text);
    field.focus();
  };
  listen(launcher, 'click', () => (opened ? minimise() : open(true)));
  listen(minimiseButton, 'click', minimise);
  listen(panel, 'keydown', (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      minimise();
    }
  });
  listen(field, 'keydown', (event: KeyboardEvent) => {
    // Enter sends, Shift+Enter starts a new line; never in the middle of an IME composition.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  listen(field, 'input', () => actions.typing());
  listen(field, 'blur', () => actions.idle());
  listen(form, 'submit', (event: Event) => {
    event.preventDefault();
    submit();
  });
  listen(endButton, 'click', () => {
    if (over) return actions.close();
    if (confirming === undefined) {
      endButton.textContent = 'Yes, end the chat';
      confirming = setTimeout(
        safely(() => {
          confirming = undefined;
          if (!over) endButton.textContent = 'End chat';
        }),
        CONFIRM_MS,
      );
      return;
    }
    clearTimeout(confirming);
    confirming = undefined;
    actions.end();
  });

  setOpen(startOpen);
  root.append(panel, launcher);

  return {
    render(view, extras) {
      const last = before;
      before = { view, extras };
      const chat = view.chat;
      const text = extras.gone
        ? 'This chat is no longer available.'
        : `${statusText(chat)}${extras.reconnecting ? ' Reconnecting…' : ''}`;
      if (status.textContent !== text) status.textContent = text;
      if (last.view?.chat.messages !== chat.messages) renderMessages(view, last.view === null);
      if (last.extras?.pending !== extras.pending) renderPending(extras.pending);
      const typing = view.agentTyping ? `${chat.agent?.name || 'The agent'} is typing…` : '';
      typingLine.hidden = !typing;
      if (typingLine.textContent !== typing) typingLine.textContent = typing;
      const nowOver = chat.state === 'ended' || extras.gone;
      if (nowOver !== over) {
        over = nowOver;
        field.disabled = over;
        sendButton.disabled = over;
        clearTimeout(confirming);
        confirming = undefined;
        endButton.textContent = over ? 'Close' : 'End chat';
      }
      if (!opened) launcher.textContent = unread > 0 ? `Chat (${unread} new)` : 'Chat';
    },
    open,
    remove() {
      clearTimeout(confirming);
      viewport?.removeEventListener('resize', onViewport);
      viewport?.removeEventListener('scroll', onViewport);
      panel.remove();
      launcher.remove();
    },
  };
}
