/**
 * What one heartbeat does to a session, as a pure function of (session, heartbeat, now): the
 * page-view counting of DESIGN.md "Page views", the crediting of "Time on page", and the
 * focus and form-error signals of the page view.
 */
import type { Milliseconds } from '../config/units.js';
import { applySignals } from './apply-signals.js';
import type { Heartbeat } from './heartbeat-body.js';
import {
  countView,
  knowsPageView,
  type PageView,
  type Session,
  startPageView,
  takeServed,
} from './session.js';

/**
 * How long a served page waits for its first heartbeat: one interval normally, more in a
 * throttled background tab (Chromium runs its timers once a minute there).
 */
const awaitingBeatMs = (intervalMs: Milliseconds) => 3 * intervalMs + 60_000;

/** How the heartbeat was taken. */
export type HeartbeatEffect =
  /** It started a new page view (and counted it, unless its path was the last counted one). */
  | 'new-page-view'
  /** It advanced the current page view. */
  | 'counted'
  /** A replayed or out-of-order sequence number: nothing changed. */
  | 'stale'
  /** A late heartbeat of an earlier page view: nothing changed. */
  | 'old-page-view';

/**
 * Applies `heartbeat` to `session` (mutating it) at `now`. `intervalMs` is the configured
 * heartbeat interval, the time a page view's first heartbeat stands for. The heartbeat's
 * `path` is the canonical one (`canonicalPath`), the reading page views are counted under.
 */
export function applyHeartbeat(
  session: Session,
  heartbeat: Heartbeat,
  now: number,
  intervalMs: Milliseconds,
): { effect: HeartbeatEffect; page: PageView | null } {
  session.lastSeenAt = now;
  const { path } = heartbeat;
  let page = session.page;

  if (page === null || page.pv !== heartbeat.pv) {
    if (knowsPageView(session, heartbeat.pv))
      return { effect: 'old-page-view', page: session.page };
    // A page the server served was counted then. The first page (served before the session
    // existed) and single-page-app navigations reach the server only this way; so does the
    // pagehide heartbeat of a page left within one interval, which may arrive after the next
    // page was served: matching served pages by path, not by "the last counted one", keeps
    // that late heartbeat from counting the next page twice.
    if (!takeServed(session, path, now, awaitingBeatMs(intervalMs))) countView(session, path);
    page = {
      pv: heartbeat.pv,
      path,
      startedAt: now,
      heartbeats: 1,
      lastHeartbeatAt: now,
      // The beacon sends a page view's first heartbeat one interval after the view starts.
      timeOnPageMs: heartbeat.visible ? intervalMs : 0,
      lastSeq: heartbeat.seq,
      nextMs: intervalMs,
    };
    startPageView(session, page);
    applySignals(page, heartbeat, now, intervalMs);
    return { effect: 'new-page-view', page };
  }

  if (heartbeat.seq <= page.lastSeq) return { effect: 'stale', page };
  page.heartbeats += 1;
  page.lastSeq = heartbeat.seq;
  // A gap longer than the interval asked for means a throttled or sleeping tab: only what
  // the server asked for is credited, and hidden time not at all (claims 3, 5, 6).
  if (heartbeat.visible) {
    page.timeOnPageMs += Math.min(Math.max(0, now - page.lastHeartbeatAt), page.nextMs);
  }
  page.lastHeartbeatAt = now;
  applySignals(page, heartbeat, now, intervalMs);
  return { effect: 'counted', page };
}
