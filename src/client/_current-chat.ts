/**
 * Which conversation this tab has (sessionStorage, inside `try`): the beacon on the next page
 * of the site reopens the chat panel from it at once, rather than a heartbeat later; chat.js
 * forgets it once the visitor closes a finished conversation. Storage refused: the heartbeat
 * still tells the next page.
 */

const KEY = 'helpgate-chat';

export function currentChat(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function rememberChat(conversationId: string): void {
  try {
    sessionStorage.setItem(KEY, conversationId);
  } catch {}
}

export function forgetChat(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {}
}
