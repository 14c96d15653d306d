/**
 * Loads the chat panel (chat.js) only once the visitor has a conversation: what every page
 * pays for stays the beacon. The script is same-origin, so a strict page policy allows it;
 * under a nonce-based policy it gets the beacon's nonce. chat.js reads the conversation from
 * its tag's `data-conversation`, and hears of a later one through a `helpgate:conversation`
 * event on the widget host.
 */
import { currentChat, rememberChat } from './_current-chat.js';
import { HOST_TAG } from './_widget-host.js';

// Baked in by the build (esbuild `define`): chat.js's content hash, so its URL is cached for good.
declare const __HELPGATE_CHAT_VERSION__: string;
const CHAT_VERSION = typeof __HELPGATE_CHAT_VERSION__ === 'string' ? __HELPGATE_CHAT_VERSION__ : '';

// The beacon's own tag, read while the beacon runs (currentScript is null afterwards).
const beaconScript = document.currentScript;
let chatScript: HTMLScriptElement | null = null;

/** Shows the conversation `conversationId` in this page, loading chat.js the first time. */
export function loadChat(conversationId: string, hbUrl: string): void {
  rememberChat(conversationId);
  if (chatScript !== null) {
    if (chatScript.getAttribute('data-conversation') === conversationId) return;
    chatScript.setAttribute('data-conversation', conversationId);
    document
      .querySelector(HOST_TAG)
      ?.dispatchEvent(new CustomEvent('helpgate:conversation', { detail: { id: conversationId } }));
    return;
  }
  const script = document.createElement('script');
  script.src = new URL(`chat.js?v=${CHAT_VERSION}`, hbUrl).href;
  script.setAttribute('data-conversation', conversationId);
  const nonce = beaconScript instanceof HTMLScriptElement ? beaconScript.nonce : '';
  if (nonce) script.nonce = nonce;
  chatScript = script;
  // A script element runs wherever it is inserted; the root element always exists.
  document.documentElement.appendChild(script);
}

/**
 * A page of a tab that has a conversation reopens its panel at once; the heartbeat replies
 * confirm it (or chat.js learns from the server that it is over).
 */
export function resumeChat(hbUrl: string): void {
  const conversationId = currentChat();
  if (conversationId) loadChat(conversationId, hbUrl);
}
