/**
 * The conversation on the HELP page, for a visitor without JavaScript: the place in line or
 * the agent's name, the messages so far, a plain form to send one (it posts to the chat route,
 * which sends the browser back here) and a link to look again. Slower than the chat panel, but
 * a legacy browser can still talk to a person. Everything shown is escaped.
 */
import type { Config } from '../config/schema.js';
import type { ChatState } from '../conversations/chat-event.js';
import { escapeHtml } from './offer-markup.js';

/** Messages the page shows, the newest; the history before them is left out. */
export const HELP_PAGE_MESSAGES = 50;

export function helpChatHtml(
  conversationId: string,
  offerId: string,
  chat: ChatState,
  config: Config,
): string {
  const base = `${config.prefix}chat/${encodeURIComponent(conversationId)}`;
  const refresh = `${config.prefix}help?offer=${encodeURIComponent(offerId)}`;
  const status =
    chat.state === 'ended'
      ? 'This conversation has ended.'
      : chat.state === 'assigned'
        ? `You are talking to ${chat.agent?.name ?? 'an agent'}.`
        : queuedText(chat);
  const messages = chat.messages.slice(-HELP_PAGE_MESSAGES).map((message) => {
    const who =
      message.from === 'visitor'
        ? 'You'
        : message.from === 'agent'
          ? (message.name ?? 'Agent')
          : 'Note';
    return `<li><b>${escapeHtml(who)}:</b> ${escapeHtml(message.text)}</li>`;
  });
  const log =
    messages.length === 0
      ? '<p>No messages yet. Write yours below: the agent sees it as soon as they join.</p>'
      : `<ol aria-label="Conversation" class="log">${messages.join('')}</ol>`;
  const forms =
    chat.state === 'ended'
      ? ''
      : `<form method="post" action="${escapeHtml(`${base}/messages`)}" class="send">` +
        '<label for="helpgate-text">Your message</label>' +
        `<textarea id="helpgate-text" name="text" rows="3" required maxlength="${config.conversations.maxMessageChars}"></textarea>` +
        '<button type="submit">Send</button></form>' +
        `<form method="post" action="${escapeHtml(`${base}/end`)}">` +
        '<button type="submit" class="secondary">End the chat</button></form>';
  return (
    `<p role="status">${escapeHtml(status)}</p>${log}${forms}` +
    `<p><a href="${escapeHtml(refresh)}">Refresh to see new messages</a></p>`
  );
}

function queuedText(chat: ChatState): string {
  if (chat.position === null) return 'You are in line for an agent.';
  const wait =
    chat.estimatedWaitSeconds === null
      ? 'as soon as an agent is available'
      : `in about ${Math.max(1, Math.ceil(chat.estimatedWaitSeconds / 60))} min`;
  const late = chat.late ? ' Sorry for the wait: it is taking longer than we said.' : '';
  return `You are number ${chat.position} in line; an agent will be with you ${wait}.${late}`;
}

/** The styles the conversation adds to the HELP page's own. */
export const HELP_CHAT_STYLE =
  '.log{list-style:none;padding:0;margin:1rem 0;max-height:50vh;overflow:auto}' +
  '.log li{margin:.25rem 0;white-space:pre-wrap;overflow-wrap:anywhere}' +
  '.send{display:block}.send label{display:block;font-weight:bold}' +
  '.send textarea{display:block;width:100%;box-sizing:border-box;font:inherit;margin:.25rem 0 .5rem}';
