import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { type EventStream, openEventStream } from '../../src/conversations/event-stream.js';

/** A server whose one route opens an event stream and hands it to the test. */
async function serve(t: Test, options: Parameters<typeof openEventStream>[1]) {
  let resolveStream: (stream: EventStream) => void = () => {};
  const opened = new Promise<EventStream>((resolve) => {
    resolveStream = resolve;
  });
  const server = http.createServer((_req, res) => resolveStream(openEventStream(res, options)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http
      .get({ port, host: '127.0.0.1', path: '/', headers: { 'accept-encoding': 'gzip' } }, resolve)
      .on('error', reject),
  );
  response.setEncoding('utf8');
  let text = '';
  response.on('data', (chunk: string) => {
    text += chunk;
  });
  const ended = new Promise<void>((resolve) => response.on('close', resolve));
  /** Waits until the body read so far satisfies `done`. */
  const until = async (done: (body: string) => boolean) => {
    while (!done(text)) await new Promise((r) => setTimeout(r, 5));
    return text;
  };
  return { stream: await opened, response, until, ended, body: () => text };
}

t.test('proxies in front see a stream they must neither cache, compress nor buffer', async (t) => {
  const { response, stream } = await serve(t, {});
  t.equal(response.statusCode, 200);
  t.equal(response.headers['content-type'], 'text/event-stream; charset=utf-8');
  t.equal(response.headers['cache-control'], 'no-cache, no-transform');
  t.equal(response.headers['x-accel-buffering'], 'no');
  t.equal(response.headers['content-encoding'], undefined, 'never compressed');
  stream.close();
});

t.test(
  'events carry their id; typing carries none; payload text stays one data line',
  async (t) => {
    const { stream, until } = await serve(t, {});
    stream.send('message', { id: 'm1', text: 'two\nlines\r\nand </script>' }, '7');
    stream.send('typing', { from: 'agent', typing: true });
    const body = await until((b) => b.includes('event: typing'));
    t.match(
      body,
      'event: message\nid: 7\ndata: {"id":"m1","text":"two\\nlines\\r\\nand </script>"}\n\n',
    );
    t.match(body, 'event: typing\ndata: {"from":"agent","typing":true}\n\n');
    stream.close();
  },
);

t.test('an idle stream writes a comment line before an idle proxy would cut it', async (t) => {
  const { stream, until } = await serve(t, { keepAliveMs: 60 });
  const body = await until((b) => b.split(':\n\n').length >= 3);
  t.ok(body.startsWith(':\n\n'), 'the first bytes go out at once');
  stream.close();
});

t.test('closing with a retry hint tells the browser when to reconnect', async (t) => {
  const { stream, ended, body } = await serve(t, {});
  let closedListener = 0;
  stream.onClose(() => {
    closedListener += 1;
  });
  stream.close(1500);
  stream.close(1500);
  await ended;
  t.match(body(), /retry: 1500\n\n$/);
  t.equal(closedListener, 1, 'told once');
  t.equal(stream.closed, true);
  stream.send('message', {}, '8');
});

t.test('a client that goes away ends the stream on the server', async (t) => {
  const { stream, response } = await serve(t, {});
  const closed = new Promise<void>((resolve) => stream.onClose(resolve));
  response.destroy();
  await closed;
  t.equal(stream.closed, true);
});
