/**
 * The demo media in real Chromium, on a page behind helpgate whose policy is
 * `default-src 'self'`: the audio and the video load (the browser fetches them with `Range`
 * and gets 206), and the captions track loads its cues.
 */
import t from 'tap';
import { assertCleanConsole, launchBrowser, watchedPage } from '../../fixtures/browser.js';
import { startHelpgate, startServer } from '../../fixtures/servers.js';

const browser = await launchBrowser(t);

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Media</title></head>
<body><h1>Help media</h1>
<audio id="audio" src="/__helpgate/media/help.ogg" preload="auto" controls></audio>
<video id="video" src="/__helpgate/media/help.webm" poster="/__helpgate/media/help.jpg"
  preload="auto" muted controls width="320" height="180">
  <track kind="captions" src="/__helpgate/media/help.vtt" srclang="en" label="English" default>
</video>
</body></html>`;

t.test('audio, video and captions load through helpgate on a strict page', async (t) => {
  const site = await startServer(t, (req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'self'",
    });
    res.end(PAGE);
  });
  const { url } = await startHelpgate(t, { upstream: site.url });
  const watched = await watchedPage(t, browser);
  const media: string[] = [];
  watched.page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith('/__helpgate/media/')) {
      const range = response.request().headers().range;
      media.push(`${path.slice('/__helpgate/media/'.length)} ${range ?? '-'} ${response.status()}`);
    }
  });
  await watched.page.goto(`${url}/`);

  const loaded = (id: string) =>
    `(() => { const m = document.getElementById('${id}'); return m.readyState >= 1 && m.duration > 0; })()`;
  await watched.page.waitForFunction(loaded('audio'), undefined, { timeout: 5_000 });
  await watched.page.waitForFunction(loaded('video'), undefined, { timeout: 5_000 });
  const duration = (await watched.page.evaluate(
    "document.getElementById('audio').duration",
  )) as number;
  t.ok(duration > 2 && duration < 10, `the audio lasts ${duration} s`);

  await watched.page.waitForFunction(
    "document.querySelector('track').readyState === 2",
    undefined,
    { timeout: 5_000 },
  );
  const cues = (await watched.page.evaluate(
    "[...document.getElementById('video').textTracks[0].cues].map((cue) => cue.text)",
  )) as string[];
  t.same(cues, ['Need a hand?', 'Press Help to talk to us.'], 'the captions cues');

  t.ok(
    media.some((line) => /^help\.(ogg|webm) bytes=\d+-\d* 206$/.test(line)),
    `a Range request got 206: ${media.join('; ')}`,
  );
  t.ok(
    media.some((line) => /^help\.vtt - 200$/.test(line)),
    'the captions were fetched',
  );
  await assertCleanConsole(t, watched);
});
