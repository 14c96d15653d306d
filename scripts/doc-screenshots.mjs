// Takes the README's two pictures from the real demo, as a person would see it:
// `node scripts/doc-screenshots.mjs` after `npm run build` (needs Debian's chromium). The
// visitor waits on a product page until the help screen opens (docs/images/help-screen.png),
// accepts, and chats with Alice in the console (docs/images/console.png).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = spawn(process.execPath, ['bin/helpgate', 'demo', '--port', '0'], { cwd: root });
try {
  const url = await new Promise((resolve, reject) => {
    let buffer = '';
    demo.stdout.on('data', (chunk) => {
      buffer += chunk;
      const found = /"url":"([^"]+)"/.exec(buffer);
      if (found) resolve(found[1].replace('0.0.0.0', '127.0.0.1'));
    });
    demo.once('exit', (code) => reject(new Error(`helpgate demo exited with ${code}`)));
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const visitor = await (
      await browser.newContext({ viewport: { width: 1100, height: 720 } })
    ).newPage();
    const agent = await (
      await browser.newContext({ viewport: { width: 1000, height: 700 } })
    ).newPage();

    await agent.goto(`${url}/__helpgate/console`);
    await agent.getByLabel('Your token').fill('demo-token-alice-0123456789');
    await agent.getByRole('button', { name: 'Log in' }).click();
    await agent.getByRole('heading', { name: 'helpgate console' }).waitFor();

    await visitor.goto(`${url}/products/enamel-coffee-pot`);
    const talk = visitor.getByRole('button', { name: 'Talk to an agent' });
    await talk.waitFor({ timeout: 40_000 });
    await visitor.screenshot({ path: `${root}docs/images/help-screen.png` });
    await talk.click();

    const chat = visitor.getByRole('dialog', { name: 'Chat with us' });
    await agent.getByRole('textbox', { name: 'Reply' }).waitFor({ timeout: 20_000 });
    await agent
      .getByRole('textbox', { name: 'Reply' })
      .fill("Hi, I'm Alice. Can I help with the coffee pot?");
    await agent.keyboard.press('Enter');
    await chat.getByRole('log', { name: 'Conversation' }).getByText("I'm Alice").waitFor();
    await chat.getByRole('textbox', { name: 'Message' }).fill('Does it work on an induction hob?');
    await visitor.keyboard.press('Enter');
    const log = agent.getByRole('log', { name: 'Conversation' });
    await log.getByText('induction hob').waitFor();
    await agent
      .getByRole('textbox', { name: 'Reply' })
      .fill('Not on its own: it needs an adapter disc. Shall I add one?');
    await agent.keyboard.press('Enter');
    await chat.getByText('adapter disc').waitFor();
    await agent.screenshot({ path: `${root}docs/images/console.png` });
  } finally {
    await browser.close();
  }
} finally {
  demo.kill('SIGTERM');
}
