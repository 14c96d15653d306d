/**
 * This tab's memory of the conversation across the site's pages (sessionStorage, so it ends
 * with the tab): the view and the last event id to resume from, whether the panel was open,
 * and what the visitor wrote that has not reached the server yet. Storage may be disabled or
 * full (private modes, a site's quota): every access is inside `try`, and without it the next
 * page asks the server for the whole history instead.
 */
import { asView, type ChatView } from './chat-view.js';

export interface KeptChat {
  view: ChatView;
  open: boolean;
  /** Messages written but not sent yet, oldest first. */
  unsent: string[];
}

const key = (conversationId: string) => `helpgate-chat:${conversationId}`;

export function recall(conversationId: string): KeptChat | null {
  try {
    const kept = JSON.parse(sessionStorage.getItem(key(conversationId)) ?? 'null') as Record<
      string,
      unknown
    > | null;
    const view = asView(kept?.view);
    if (kept === null || view === null) return null;
    const unsent = Array.isArray(kept.unsent)
      ? kept.unsent.filter((t): t is string => typeof t === 'string')
      : [];
    return { view, open: kept.open !== false, unsent };
  } catch {
    return null;
  }
}

export function keep(conversationId: string, kept: KeptChat): void {
  try {
    sessionStorage.setItem(key(conversationId), JSON.stringify(kept));
  } catch {
    // Full or refused: the next page replays from the server.
  }
}

export function forget(conversationId: string): void {
  try {
    sessionStorage.removeItem(key(conversationId));
  } catch {
    // Nothing kept, nothing to forget.
  }
}
