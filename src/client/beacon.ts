/**
 * The helpgate beacon: runs in the visitor's page and sends a heartbeat to the server every
 * interval the server asks for, per page view. It is an external same-origin script (so a
 * strict Content-Security-Policy allows it), never evaluates code, never writes to the console
 * and never lets an exception reach the page.
 *
 * Configuration comes from its own script tag: the heartbeat URL is `hb` resolved against the
 * tag's `src` (`{prefix}beacon.js?v=…` → `{prefix}hb`), the first interval is `data-interval`,
 * the selectors of server-side error messages are `data-errors` (a JSON array), the widget's
 * look is `data-appearance` (`offers.appearance`, JSON).
 */
import { readAppearance } from './_appearance.js';
import { loadChat, resumeChat } from './_chat-loader.js';
import { type FocusSignal, watchFocus } from './_focus-signal.js';
import { type FormError, watchFormErrors } from './_form-errors.js';
import { createOfferPanel, type OfferState } from './_offer-panel.js';
import { safely } from './_safely.js';

/** The heartbeat body of the contract; signal collectors fill in their fields. */
interface HeartbeatBody {
  pv: string;
  path: string;
  seq: number;
  visible: boolean;
  focus: FocusSignal | null;
  errors: FormError[];
  offer?: OfferState;
}

/** Adds a signal (focus, form errors, …) to an outgoing heartbeat. */
type Collector = (body: HeartbeatBody) => void;
/** Acts on a heartbeat reply (offers, withdrawals). */
type ReplyHandler = (reply: Record<string, unknown>) => void;

const MIN_INTERVAL_MS = 1_000;
const MAX_INTERVAL_MS = 300_000;
const DEFAULT_INTERVAL_MS = 5_000;
/** The config's default `beacon.errorSelectors`, for a tag without `data-errors`. */
const DEFAULT_ERROR_SELECTORS = ['.error', '.field-error', '[role=alert]'];

const collectors: Collector[] = [];
const replyHandlers: ReplyHandler[] = [];

function clampInterval(value: unknown, fallback: number): number {
  const ms = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(ms) && ms > 0
    ? Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, ms))
    : fallback;
}

function errorSelectors(script: HTMLScriptElement): string[] {
  try {
    const list: unknown = JSON.parse(script.getAttribute('data-errors') ?? '');
    if (Array.isArray(list)) return list.filter((s): s is string => typeof s === 'string');
  } catch {
    // No attribute or no JSON: the defaults.
  }
  return DEFAULT_ERROR_SELECTORS;
}

/**
 * The signals (claims 4 and 8) and the offer panel (claim 12). Each installs on its own, so a
 * browser lacking what one needs still sends the others.
 */
function installSignals(script: HTMLScriptElement, hbUrl: string): void {
  safely(() => {
    const focus = watchFocus();
    collectors.push((body) => {
      body.focus = focus();
    });
  })();
  safely(() => {
    const errors = watchFormErrors(errorSelectors(script));
    collectors.push((body) => {
      body.errors = errors();
    });
  })();
  safely(() => {
    const panel = createOfferPanel(hbUrl, readAppearance(script));
    adoptPageOffer(panel);
    collectors.push((body) => {
      const state = panel.state();
      if (state !== null) body.offer = state;
    });
    replyHandlers.push((reply) => {
      panel.withdraw(reply.withdraw);
      if (reply.offer) panel.show(reply.offer);
    });
  })();
  // A page loaded mid-conversation: the chat panel reopens from the reply, never from markup
  // (the rewrite cache shares pages between visitors).
  replyHandlers.push((reply) => {
    const { id } = Object(reply.conversation);
    if (typeof id === 'string') loadChat(id, hbUrl);
  });
  safely(resumeChat)(hbUrl);
}

/**
 * A page that went out with an offer (claim 11) carries its form for readers without
 * JavaScript, with a link to the HELP page; with the beacon running, it becomes the same panel
 * as an offer from a heartbeat (its markup is in `data-html`), so it can be answered in place
 * and withdrawn.
 */
function adoptPageOffer(panel: ReturnType<typeof createOfferPanel>): void {
  const marked = document.querySelector('[data-helpgate-offer]');
  if (marked === null) return;
  marked.remove();
  // The panel checks the fields, as it does a reply's.
  panel.show({
    id: marked.getAttribute('data-helpgate-offer'),
    html: marked.getAttribute('data-html'),
    expiresInMs: Number(marked.getAttribute('data-expires-in')),
  });
}

/** The server refuses larger heartbeats (413). */
const MAX_BODY_BYTES = 8 * 1024;
/** What error messages shrink to when a page shows so many that the body would not fit. */
const SHORT_MESSAGE_CHARS = 60;

/**
 * The body as JSON within the server's size limit: on a page full of errors the messages are
 * shortened, then the last errors dropped, rather than the whole heartbeat refused.
 */
function fitted(message: HeartbeatBody): string {
  // UTF-8 bytes, at most 3 per UTF-16 unit: an upper bound without TextEncoder.
  const size = (json: string) => json.length + 2 * json.replace(/[\x00-\x7f]/g, '').length;
  let json = JSON.stringify(message);
  if (size(json) <= MAX_BODY_BYTES) return json;
  for (const error of message.errors)
    error.message = error.message.slice(0, SHORT_MESSAGE_CHARS).trim();
  json = JSON.stringify(message);
  while (size(json) > MAX_BODY_BYTES && message.errors.length > 0) {
    message.errors.pop();
    json = JSON.stringify(message);
  }
  return json;
}

/** A random page-view id of 22 characters from [A-Za-z0-9_-]. */
function newPageViewId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // Every browser the widget runs in (ES2020, constructable stylesheets) has getRandomValues.
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  let id = '';
  for (const byte of bytes) id += alphabet[byte & 63];
  return id;
}

function start(script: HTMLScriptElement): void {
  const hbUrl = new URL('hb', script.src).href;
  let interval = clampInterval(script.getAttribute('data-interval'), DEFAULT_INTERVAL_MS);
  let pv = '';
  let path = '';
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  installSignals(script, hbUrl);

  const body = (): string => {
    const message: HeartbeatBody = {
      pv,
      path,
      seq: seq++,
      visible: document.visibilityState === 'visible',
      focus: null,
      errors: [],
    };
    for (const collect of collectors) safely(collect)(message);
    return fitted(message);
  };

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(safely(send), ms);
  };

  function send(): void {
    const forView = pv;
    const settle = (reply: unknown) => {
      const fields =
        reply !== null && typeof reply === 'object' ? (reply as Record<string, unknown>) : {};
      interval = clampInterval(fields.next, interval);
      // A reply for a page view that has ended must not restart its timer.
      if (forView !== pv) return;
      schedule(interval);
      for (const handle of replyHandlers) safely(handle)(fields);
    };
    let request: Promise<Response>;
    try {
      request = fetch(hbUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: body(),
      });
    } catch {
      settle(null);
      return;
    }
    request
      .then((response) => {
        // Without a session cookie (cookies blocked) every heartbeat would be refused: stop.
        if (response.status === 401) stopped = true;
        // A refusal waits at least its Retry-After (429 rate limit, 503 store outage).
        if (!response.ok) {
          return {
            next: Math.max(interval, Number(response.headers.get('Retry-After')) * 1000 || 0),
          };
        }
        return response.json();
      })
      .then(
        safely(settle),
        safely(() => settle(null)),
      );
  }

  /** Starts a page view; its first heartbeat goes out one interval later. */
  const startPageView = () => {
    pv = newPageViewId();
    path = location.pathname;
    seq = 0;
    schedule(interval);
  };

  // Single-page apps: a history navigation to another pathname is a new page view.
  const onNavigation = safely(() => {
    if (location.pathname !== path) startPageView();
  });
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      onNavigation();
      return result;
    };
  }
  addEventListener('popstate', onNavigation);
  addEventListener('hashchange', onNavigation);

  addEventListener(
    'pagehide',
    safely(() => {
      clearTimeout(timer);
      if (!stopped && navigator.sendBeacon) navigator.sendBeacon(hbUrl, body());
    }),
  );
  // A page restored from the back/forward cache is a view of that page again.
  addEventListener(
    'pageshow',
    safely((event: PageTransitionEvent) => {
      if (event.persisted) startPageView();
    }),
  );

  startPageView();
}

safely(() => {
  const script = document.currentScript;
  if (script instanceof HTMLScriptElement && script.src && typeof fetch === 'function')
    start(script);
})();
