/**
 * Where the beacon tells the chat panel that the visitor has a conversation: after accepting
 * an offer, and when a heartbeat reply names one (a page loaded mid-conversation). The chat
 * panel's loader registers with {@link onConversation}; the beacon calls
 * {@link announceConversation}. A tiny registry inside the bundle: no globals, no page events
 * a site could forge.
 */
import { safely } from './_safely.js';

type Listener = (conversationId: string) => void;

const listeners: Listener[] = [];
let announced: string | null = null;

/** Calls `listener` with each new conversation id, and at once with the current one, if any. */
export function onConversation(listener: Listener): void {
  listeners.push(listener);
  if (announced !== null) safely(listener)(announced);
}

/** Tells the listeners of `conversationId`; the same id again (every heartbeat) tells nobody. */
export function announceConversation(conversationId: string): void {
  if (conversationId === announced) return;
  announced = conversationId;
  for (const listener of listeners) safely(listener)(conversationId);
}
