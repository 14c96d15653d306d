/**
 * Which conversation this tab has (sessionStorage, inside `try`): the beacon on the next page
 * of the site reopens the chat panel from it at once, rather than a heartbeat later; chat.js
 * clears it once the visitor closes a finished conversation.
 */

const KEY = 'helpgate-chat';

export function currentChat(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setCurrentChat(conversationId: string | null): void {
  try {
    if (conversationId === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, conversationId);
  } catch {
    // Storage refused: the heartbeat still tells the next page.
  }
}
