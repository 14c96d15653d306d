// chat.js is fetched only once a visitor has a conversation, but then on a phone too: it
// keeps to its budget (STYLE.md), and runs under a strict page policy.
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { installedBeacon, installedChat } from '../../../src/api/beacon-asset.js';

/** STYLE.md's budget for chat.js, gzipped. */
const CHAT_BUDGET_BYTES = 12 * 1024;

t.test('chat.js stays within 12 KB gzipped', async (t) => {
  const chat = installedChat();
  const gzipped = gzipSync(chat.body, { level: 9 }).length;
  t.ok(gzipped <= CHAT_BUDGET_BYTES, `${gzipped} bytes gzipped (budget ${CHAT_BUDGET_BYTES})`);
  t.comment(`chat.js: ${chat.body.length} bytes, ${gzipped} gzipped`);
});

t.test('chat.js uses no eval, no inline code, no console', async (t) => {
  t.notMatch(installedChat().body.toString('utf8'), /\beval\s*\(|new Function|\bconsole\./);
});

t.test('the beacon loads chat.js by its current content hash', async (t) => {
  // A stale hash would be cached for good (immutable) by every visitor's browser.
  t.match(installedBeacon().body.toString('utf8'), `"${installedChat().hash}"`);
});
