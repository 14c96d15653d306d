import { type Appearance, applyAppearance } from './_appearance.js';
import { loadChat } from './_chat-loader.js';
import { offerContent } from './_offer-content.js';
import { wireMedia } from './_offer-media.js';
import { OFFER_CSS } from './_offer-styles.js';
import { listen, safely } from './_safely.js';
import { widgetHost } from './_widget-host.js';

/** The offer of a heartbeat reply (DESIGN.md, "Contract: endpoints"). */
interface Offer {
  id: string;
  /** The markup of its form (the server chose it from the offer's `kind`). */
  html: string;
  expiresInMs: number;
}

/** What the next heartbeat says about the offer on the page. */
export interface OfferState {
  id: string;
  state: 'shown';
}

export interface OfferPanel {
  /** Shows the reply's offer, replacing any other; the same offer again changes nothing. */
  show(offer: unknown): void;
  /** Takes the listed offers off the page. */
  withdraw(ids: unknown): void;
  state(): OfferState | null;
}

/** The widget as the panel uses it: the host, its shadow root and the panel's live region. */
interface Parts {
  host: HTMLElement;
  root: ShadowRoot;
  live: HTMLElement;
}

/**
 * The HELP option in the page (claim 12), in the widget's shadow root, in the form the server
 * chose (claims 19–22): a button, or a non-modal dialog named by its title holding a screen, an
 * audio or a video message. A button marked `data-helpgate-action="dismiss"` (or the close
 * button, or Escape) dismisses; any other button of the offer accepts. Each answer is POSTed
 * to `offers/{id}/{answer}` beside the heartbeat URL.
 *
 * An offer arrives while the visitor may be typing (claims 4, 8), so it never takes focus: a
 * live region made empty at install announces it; Tab or a click brings focus in, and leaving
 * it (Escape, an answer, expiry) gives focus back to where it was. It moves to the other edge
 * of the viewport rather than cover the focused field.
 */
export function createOfferPanel(hbUrl: string, appearance: Appearance | null): OfferPanel {
  let parts: Parts | null = null;
  let box: HTMLElement | null = null;
  let shownId = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Offers answered, closed, withdrawn or expired: a reply that repeats one shows nothing.
  const ended = new Set<string>();
  // The page element focused before focus came into the widget: where it goes back to.
  let before: HTMLElement | null = null;

  const remove = () => {
    if (box === null || parts === null) return;
    const hadFocus = box.contains(parts.root.activeElement);
    ended.add(shownId);
    clearTimeout(timer);
    box.remove();
    box = null;
    parts.live.textContent = '';
    if (hadFocus) before?.focus();
  };

  const answer = (action: 'accept' | 'dismiss'): Promise<unknown> => {
    ended.add(shownId);
    return fetch(new URL(`offers/${encodeURIComponent(shownId)}/${action}`, hbUrl).href, {
      method: 'POST',
      credentials: 'same-origin',
    })
      .then((response) => (response.ok ? response.json().catch(() => ({})) : null))
      .catch(() => null);
  };

  const dismiss = () => {
    if (!ended.has(shownId)) answer('dismiss');
    remove();
  };

  /** Keys typed in the widget stay there: the site's one-key shortcuts must not fire. */
  const onKey = safely((event: Event) => {
    event.stopPropagation();
    const { key, type, target } = event as KeyboardEvent;
    if (key === 'Escape' && type === 'keydown' && box?.contains(target as Node)) dismiss();
  });

  /** The host, styled, with the live region; made again if a page script took it away. */
  const install = (): Parts | null => {
    if (parts?.host.isConnected) return parts;
    const widget = widgetHost();
    if (widget === null) return null;
    const { host, root } = widget;
    widget.adoptStyles('offer', OFFER_CSS);
    applyAppearance(host, appearance);
    const live = element('div', 'sr');
    live.setAttribute('aria-live', 'polite');
    root.appendChild(live);
    for (const type of ['keydown', 'keyup', 'keypress']) root.addEventListener(type, onKey);
    root.addEventListener('focusin', (event) => {
      const from = (event as FocusEvent).relatedTarget;
      if (from instanceof HTMLElement && !root.contains(from)) before = from;
    });
    parts = { host, root, live };
    return parts;
  };

  /** On a narrow screen the panel may sit on the field being filled: then it takes the other edge. */
  const keepClear = () => {
    if (box === null || parts === null) return;
    const { host } = parts;
    const field = document.activeElement;
    // Focus in the widget itself: it stays where the visitor found it.
    if (field === host) return;
    applyAppearance(host, appearance, false);
    if (field === null || field === document.body) return;
    const a = field.getBoundingClientRect();
    const b = host.getBoundingClientRect();
    if (a.bottom > b.top && a.top < b.bottom && a.right > b.left && a.left < b.right) {
      applyAppearance(host, appearance, true);
    }
  };
  listen('focusin', keepClear);
  listen('scroll', keepClear);
  addEventListener('resize', safely(keepClear));

  const build = (offer: Offer, { root, live }: Parts): HTMLElement => {
    const panel = element('div', 'p');
    panel.id = 'helpgate-offer';
    panel.tabIndex = -1;
    // Named by its title while it has one; "Help" otherwise (the button, the place in line).
    panel.setAttribute('role', 'region');
    panel.setAttribute('aria-label', 'Help');
    panel.appendChild(offerContent(offer.html));
    const title = panel.querySelector('h2,h3');
    if (title) {
      title.id = 'hg-title';
      panel.className = 'p d';
      panel.setAttribute('role', 'dialog');
      panel.setAttribute('aria-labelledby', title.id);
    }
    let accepts = [...panel.querySelectorAll('button')].filter(
      (b) => b.getAttribute('data-helpgate-action') !== 'dismiss',
    );
    if (accepts.length === 0) {
      accepts = [button('HELP', '')];
      panel.append(...accepts);
    }
    for (const b of accepts) b.className = 'a';
    const close = button('×', 'x');
    close.setAttribute('aria-label', 'Close');
    panel.appendChild(close);

    const accept = () => {
      if (ended.has(offer.id)) return;
      answer('accept').then(
        safely((reply: unknown) => {
          if (box !== panel) return;
          // A refused answer takes the offer away; an accepted one hands over to the chat
          // panel, which shows the place in line and then the agent.
          if (reply === null) return remove();
          const { conversationId } = Object(reply);
          if (typeof conversationId === 'string') {
            loadChat(conversationId, hbUrl);
            return remove();
          }
          const hadFocus = panel.contains(root.activeElement);
          const text = element('p', '');
          text.textContent = live.textContent = acceptedText(reply);
          panel.replaceChildren(text, close);
          panel.removeAttribute('aria-labelledby');
          if (hadFocus) panel.focus();
        }),
      );
    };
    panel.addEventListener(
      'click',
      safely((event: Event) => {
        // Safari does not focus a clicked button: the panel takes focus so Escape reaches it.
        if (!panel.contains(root.activeElement)) panel.focus();
        const clicked = (event.target as Element).closest('button');
        if (clicked) (accepts.includes(clicked) ? accept : dismiss)();
      }),
    );
    wireMedia(panel);
    return panel;
  };

  install();
  return {
    show(value) {
      const offer = asOffer(value);
      const widget = install();
      if (offer === null || widget === null || offer.id === shownId || ended.has(offer.id)) return;
      remove();
      shownId = offer.id;
      box = build(offer, widget);
      widget.root.appendChild(box);
      // The server withdraws an expired offer too; this covers a reply that never comes.
      timer = setTimeout(safely(remove), offer.expiresInMs);
      widget.live.textContent = box.querySelector('h2,h3,button')?.textContent ?? '';
      keepClear();
    },
    withdraw(ids) {
      if (Array.isArray(ids) && ids.includes(shownId)) remove();
    },
    state() {
      return box !== null && !ended.has(shownId) ? { id: shownId, state: 'shown' } : null;
    },
  };
}

/** What the panel says once the visitor is in the help queue (the accept reply). */
function acceptedText(reply: unknown): string {
  const { queuePosition: place, estimatedWaitSeconds: wait } = Object(reply);
  return `Thank you. ${
    place === 0
      ? 'An agent is with you now.'
      : place > 0 && wait != null
        ? `You are number ${place} in line: about ${Math.max(1, Math.ceil(wait / 60))} min.`
        : 'An agent will be with you shortly.'
  }`;
}

function element(tag: string, className: string): HTMLElement {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

function button(label: string, className: string): HTMLButtonElement {
  const el = element('button', className) as HTMLButtonElement;
  el.type = 'button';
  el.textContent = label;
  return el;
}

/** setTimeout's limit; a missing expiry leaves it to the server. */
const NEVER = 2_147_483_647;

function asOffer(value: unknown): Offer | null {
  const { id, html, expiresInMs } = Object(value);
  return typeof id === 'string' && id
    ? {
        id,
        html: String(html || ''),
        expiresInMs: expiresInMs > 0 ? Math.min(expiresInMs, NEVER) : NEVER,
      }
    : null;
}
