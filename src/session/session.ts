/**
 * The visitor's session record: plain JSON, so the memory store can hold it as is and a
 * shared store (Redis) can serialise it. Everything in it is bounded, whatever the visitor
 * sends. Later parts add their own optional fields (focus and form errors per page view,
 * the customer profile, offers); a record without them stays valid.
 */
import type { Milliseconds } from '../config/units.js';
import type { OfferRecord } from '../offers/offer-record.js';

/** Distinct pathnames whose views a session remembers; the least recently viewed goes first. */
export const MAX_VIEWED_PATHS = 200;
/** Characters of pathnames a session keeps: long hostile paths cannot bloat a session. */
export const MAX_VIEWED_PATH_CHARS = 32 * 1024;
/** Longest pathname recorded (the heartbeat schema's limit too). */
export const MAX_PATH_LENGTH = 2048;
/** Served pages a session remembers while their first heartbeat is due (see `servedAwaitingBeat`). */
export const MAX_SERVED_AWAITING_BEAT = 8;
/** Page-view ids a session remembers, so a late heartbeat of an old view is not taken as new. */
export const MAX_RECENT_PAGE_VIEWS = 50;
/** Longest form-field name kept (the heartbeat schema's limit too). */
export const MAX_FIELD_NAME_LENGTH = 256;
/** Fields with errors a page view remembers (the heartbeat schema's limit per message too). */
export const MAX_ERROR_FIELDS = 50;

/** The form field the visitor is on, as the beacon last reported it (claim 4). */
export interface FieldFocus {
  /** The field's id, name or stable CSS path (never its value). */
  field: string;
  /** How long it has been focused without interruption. */
  ms: Milliseconds;
}

/** One page view: from the page (or single-page-app navigation) until the next one. */
export interface PageView {
  /** The page-view id the beacon made. */
  pv: string;
  /** The canonical pathname (`canonicalPath`: never the query string). */
  path: string;
  /** When the server first heard of this page view (epoch ms). */
  startedAt: number;
  /** Heartbeat messages received for this page view (claim 7). */
  heartbeats: number;
  /** When the latest heartbeat of this page view arrived (epoch ms). */
  lastHeartbeatAt: number;
  /** Time on page as DESIGN.md "Time on page" defines it (claims 3, 5, 6). */
  timeOnPageMs: Milliseconds;
  /** The highest heartbeat sequence number seen; a heartbeat at or below it is stale. */
  lastSeq: number;
  /** The interval the server last asked this page view's beacon to wait (`next`). */
  nextMs: Milliseconds;
  /** The focused field from the latest heartbeat; `null`/absent when none is focused. */
  focus?: FieldFocus | null;
  /**
   * Fields that showed an error at any time during this page view, first seen first (claim 8).
   * A field the visitor has since corrected still counts: the struggle happened.
   */
  errorFields?: string[];
  /**
   * The message each of `errorFields` showed when first seen, in the same order: the site's
   * words (`Card number is invalid`), never what the visitor typed.
   */
  errorMessages?: string[];
  /** Names of the triggers that fired on this page view, so each is logged and offered once. */
  fired?: string[];
}

/** A visitor's session. */
export interface Session {
  /** The session id (the signed part of the `hg_sid` cookie). */
  id: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the latest page or heartbeat. */
  lastSeenAt: number;
  /**
   * Counted views per canonical pathname (DESIGN.md "Page views"); `returns` = this count minus
   * one for the current view. Key order is recency: the least recently counted path comes first.
   */
  views: Record<string, number>;
  /**
   * Pages served to this session whose page view has not sent its first heartbeat yet (at most
   * {@link MAX_SERVED_AWAITING_BEAT}, oldest first): that heartbeat finds its page here and
   * does not count the view a second time.
   */
  servedAwaitingBeat?: Array<{ path: string; at: number }>;
  /** The current page view, or `null` until the beacon's first heartbeat. */
  page: PageView | null;
  /** Ids of earlier page views, oldest first (at most {@link MAX_RECENT_PAGE_VIEWS}). */
  recentPageViews: string[];
  /**
   * Set while the session has an offer shown, a queued help request or a conversation: the
   * store then keeps it out of LRU eviction (DESIGN.md, "Visitor and session").
   */
  pinned?: boolean;
  /**
   * The customer id the upstream's responses named for this visitor (`profiles.idFrom`), or
   * `null` after it signed the customer out. Never taken from anything the browser sends.
   */
  customerId?: string | null;
  /** Offers made to this session, oldest first (bounded; see offer-record.ts). */
  offers?: OfferRecord[];
  /** Offers shown so far in this session (`offers.maxPerSession`). */
  offersShown?: number;
  /** When the visitor last dismissed an offer (epoch ms; `offers.cooldownAfterDismiss`). */
  dismissedAt?: number;
  /** The help request of an accepted offer, while it is queued or in conversation. */
  conversationId?: string | null;
}

/** A fresh session for `sid`, seen now. */
export function newSession(sid: string, now: number): Session {
  return {
    id: sid,
    createdAt: now,
    lastSeenAt: now,
    views: {},
    page: null,
    recentPageViews: [],
  };
}

/**
 * Counts a view of `path`, keeping at most {@link MAX_VIEWED_PATHS} paths of together at most
 * {@link MAX_VIEWED_PATH_CHARS} characters; the least recently counted go first.
 */
export function countView(session: Session, path: string): void {
  path = path.slice(0, MAX_PATH_LENGTH);
  const earlier = Object.hasOwn(session.views, path) ? session.views[path]! : 0;
  // Re-inserting moves the path to the end, so the first key is always the least recent.
  delete session.views[path];
  session.views[path] = earlier + 1;
  const paths = Object.keys(session.views);
  let chars = 0;
  for (const key of paths) chars += key.length;
  for (let i = 0; i < paths.length - 1; i++) {
    if (paths.length - i <= MAX_VIEWED_PATHS && chars <= MAX_VIEWED_PATH_CHARS) break;
    chars -= paths[i]!.length;
    delete session.views[paths[i]!];
  }
}

/** Remembers that `path` was served (and counted) at `now`, until its first heartbeat. */
export function noteServed(session: Session, path: string, now: number): void {
  const awaiting = session.servedAwaitingBeat ?? [];
  awaiting.push({ path: path.slice(0, MAX_PATH_LENGTH), at: now });
  if (awaiting.length > MAX_SERVED_AWAITING_BEAT) awaiting.shift();
  session.servedAwaitingBeat = awaiting;
}

/**
 * Whether a new page view's first heartbeat, for `path` at `now`, belongs to a page served in
 * the last `withinMs` (already counted then); that page is taken off the list. Older entries
 * go: a page whose beacon never ran must not swallow a later view of the same path.
 */
export function takeServed(session: Session, path: string, now: number, withinMs: number): boolean {
  const awaiting = session.servedAwaitingBeat;
  if (awaiting === undefined) return false;
  const fresh = awaiting.filter((entry) => now - entry.at <= withinMs);
  const index = fresh.findIndex((entry) => entry.path === path.slice(0, MAX_PATH_LENGTH));
  if (index >= 0) fresh.splice(index, 1);
  if (fresh.length > 0) session.servedAwaitingBeat = fresh;
  else delete session.servedAwaitingBeat;
  return index >= 0;
}

/** Earlier counted views of `path` in this session (claim 9; reloads count). */
export function returnsTo(session: Session, path: string): number {
  const views = Object.hasOwn(session.views, path) ? session.views[path]! : 0;
  return Math.max(0, views - 1);
}

/** Whether `pv` is a page view the session has already seen (current or recent). */
export function knowsPageView(session: Session, pv: string): boolean {
  return session.page?.pv === pv || session.recentPageViews.includes(pv);
}

/**
 * Whether a heartbeat has proven the session: a browser running the beacon sent at least one
 * valid heartbeat for it. A cookie coming back on page requests proves nothing (`curl -c`
 * replays it), so only a proven session gets an offer inside a page or reserves a slot
 * (DESIGN.md, "onRequest triggers").
 */
export function provenByHeartbeat(session: Session): boolean {
  // Only a heartbeat starts a page view (see applyHeartbeat).
  return session.page !== null;
}

/** Makes `page` the current page view, remembering the previous one's id. */
export function startPageView(session: Session, page: PageView): void {
  if (session.page) {
    session.recentPageViews.push(session.page.pv);
    const excess = session.recentPageViews.length - MAX_RECENT_PAGE_VIEWS;
    if (excess > 0) session.recentPageViews.splice(0, excess);
  }
  session.page = page;
}
