import { loadChat } from './_chat-loader.js';
import { offerContent } from './_offer-content.js';
import { safely } from './_safely.js';

/** The offer of a heartbeat reply (DESIGN.md, "Contract: endpoints"). */
interface Offer {
  id: string;
  kind: string;
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

// Above the page's own overlays; the largest z-index browsers honour.
const TOP = '2147483647';

/**
 * The HELP option in the page (claim 12): a small dialog, fixed bottom-right, holding the
 * offer's content. A button marked `data-helpgate-action="accept"` (or any other button of the
 * content) accepts, one marked `dismiss` (or the panel's close button) dismisses; each answer
 * is POSTed to `offers/{id}/{answer}` beside the heartbeat URL. Styles are set through the
 * CSSOM, which a strict Content-Security-Policy allows, never as style text.
 */
export function createOfferPanel(hbUrl: string): OfferPanel {
  let current: { id: string; box: HTMLElement; timer: ReturnType<typeof setTimeout> } | null = null;
  // Offers answered, closed, withdrawn or expired: a reply that repeats one shows nothing.
  const ended = new Set<string>();

  const remove = () => {
    if (current === null) return;
    ended.add(current.id);
    clearTimeout(current.timer);
    current.box.remove();
    current = null;
  };

  const answer = (id: string, action: 'accept' | 'dismiss'): Promise<unknown> => {
    ended.add(id);
    return fetch(new URL(`offers/${encodeURIComponent(id)}/${action}`, hbUrl).href, {
      method: 'POST',
      credentials: 'same-origin',
    })
      .then((response) => (response.ok ? response.json().catch(() => ({})) : null))
      .catch(() => null);
  };

  const build = (offer: Offer): HTMLElement => {
    const box = document.createElement('div');
    box.id = 'helpgate-offer';
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-live', 'polite');
    box.setAttribute('aria-label', 'Help');
    box.setAttribute('data-kind', offer.kind);
    Object.assign(box.style, {
      position: 'fixed',
      right: '16px',
      bottom: '16px',
      zIndex: TOP,
      maxWidth: '320px',
      padding: '12px 40px 12px 16px',
      background: '#fff',
      color: '#222',
      border: '1px solid #888',
      borderRadius: '8px',
      boxShadow: '0 2px 12px rgba(0,0,0,.3)',
      font: '15px/1.4 system-ui,sans-serif',
    });
    box.appendChild(offerContent(offer.html));
    const close = button('×');
    close.setAttribute('aria-label', 'Close');
    Object.assign(close.style, {
      position: 'absolute',
      top: '4px',
      right: '4px',
      border: '0',
      background: 'transparent',
      font: '20px/1 system-ui,sans-serif',
      cursor: 'pointer',
    });

    const buttons = [...box.querySelectorAll('button')];
    let accepts = buttons.filter((b) => b.getAttribute('data-helpgate-action') !== 'dismiss');
    if (accepts.length === 0) {
      const help = button('HELP');
      box.appendChild(help);
      accepts = [help];
    }
    for (const help of accepts) {
      Object.assign(help.style, {
        font: 'bold 15px system-ui,sans-serif',
        padding: '8px 16px',
        cursor: 'pointer',
      });
      help.addEventListener(
        'click',
        safely(() => {
          for (const b of accepts) b.disabled = true;
          answer(offer.id, 'accept').then(
            safely((reply: unknown) => {
              if (current?.id !== offer.id) return;
              // Until the chat panel exists, an accepted offer says so; a refused one goes.
              if (reply === null) return remove();
              const { conversationId } = reply as { conversationId?: unknown };
              if (typeof conversationId === 'string') {
                loadChat(conversationId, hbUrl);
                return remove();
              }
              box.replaceChildren(document.createTextNode(acceptedText(reply)), close);
            }),
          );
        }),
      );
    }

    box.appendChild(close);
    const dismiss = safely(() => {
      if (!ended.has(offer.id)) answer(offer.id, 'dismiss');
      remove();
    });
    close.addEventListener('click', dismiss);
    for (const b of buttons) {
      if (b.getAttribute('data-helpgate-action') === 'dismiss')
        b.addEventListener('click', dismiss);
    }
    return box;
  };

  return {
    show(value) {
      const offer = asOffer(value);
      if (offer === null || offer.id === current?.id || ended.has(offer.id)) return;
      if (!document.body) return;
      remove();
      const box = build(offer);
      document.body.appendChild(box);
      // The server withdraws an expired offer too; this covers a reply that never comes.
      const timer = setTimeout(safely(remove), offer.expiresInMs);
      current = { id: offer.id, box, timer };
    },
    withdraw(ids) {
      if (current !== null && Array.isArray(ids) && ids.includes(current.id)) remove();
    },
    state() {
      return current !== null && !ended.has(current.id) ? { id: current.id, state: 'shown' } : null;
    },
  };
}

/** What the panel says once the visitor is in the help queue (the accept reply). */
function acceptedText(reply: unknown): string {
  const { queuePosition, estimatedWaitSeconds } = (reply ?? {}) as Record<string, unknown>;
  if (queuePosition === 0) return 'Thank you. An agent is with you now.';
  if (typeof queuePosition !== 'number' || typeof estimatedWaitSeconds !== 'number') {
    return 'Thank you. An agent will be with you shortly.';
  }
  const minutes = Math.max(1, Math.ceil(estimatedWaitSeconds / 60));
  return `Thank you. You are number ${queuePosition} in line; an agent will be with you in about ${minutes} min.`;
}

function button(label: string): HTMLButtonElement {
  const el = document.createElement('button');
  el.type = 'button';
  el.textContent = label;
  return el;
}

function asOffer(value: unknown): Offer | null {
  if (value === null || typeof value !== 'object') return null;
  const { id, kind, html, expiresInMs } = value as Record<string, unknown>;
  if (typeof id !== 'string' || !id) return null;
  return {
    id,
    kind: typeof kind === 'string' ? kind : 'button',
    html: typeof html === 'string' ? html : '',
    // setTimeout's limit; a missing expiry leaves it to the server.
    expiresInMs:
      typeof expiresInMs === 'number' && expiresInMs > 0
        ? Math.min(expiresInMs, 2_147_483_647)
        : 2_147_483_647,
  };
}
