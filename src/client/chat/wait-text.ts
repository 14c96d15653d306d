/**
 * The words of the panel's status line (`role="status"`): the place in line and the estimated
 * wait while queued, revised as the queue moves; who the visitor is talking to; that it ended.
 */
import type { ChatState } from '../../conversations/chat-event.js';

/** "about 3 minutes", "less than a minute"; `null` (no agent available yet) gives nothing. */
export function waitWords(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? 'about 1 minute' : `about ${minutes} minutes`;
}

/** What the status line says about the conversation. */
export function statusText(chat: ChatState): string {
  if (chat.state === 'ended') {
    const by = chat.ended?.by;
    if (by === 'visitor') return 'You ended the chat.';
    if (by === 'agent') return `${chat.agent?.name || 'The agent'} ended the chat.`;
    return 'The chat has ended.';
  }
  if (chat.state === 'assigned') {
    return chat.agent?.name ? `You are chatting with ${chat.agent.name}.` : 'An agent is with you.';
  }
  if (chat.position === null) return 'Connecting you to an agent…';
  const place =
    chat.position <= 1 ? 'You are next in line.' : `You are number ${chat.position} in line.`;
  const wait = waitWords(chat.estimatedWaitSeconds);
  const sorry = chat.late ? 'Sorry for the wait. ' : '';
  if (!wait) return `${sorry}${place} An agent will be with you as soon as one is free.`;
  return `${sorry}${place} Estimated wait: ${wait}.`;
}
