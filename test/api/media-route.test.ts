/**
 * `GET {prefix}media/{file}` over real HTTP: the demo media and an operator's `mediaDir`, with
 * their types, ETags, ranges and caching, and every way a request might reach a file it should
 * not. Requests go through `node:http` with the path as written: `fetch` would resolve `..`
 * and `%2e%2e` before sending, which an attacker's client does not.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { packageFile } from '../../src/util/package-root.js';
import { startHelpgate } from '../fixtures/servers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends `path` (after the prefix) exactly as written. */
function get(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${path}`, method, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const demo = (name: string) => readFileSync(packageFile('media', name));

/** The URL of helpgate's own routes, from a helpgate with `offers`. */
async function ownRoutes(t: Test, offers: { mediaDir?: string } = {}): Promise<string> {
  const { url, config } = await startHelpgate(t, { upstream: 'http://127.0.0.1:9', offers });
  return `${url}${config.prefix}`;
}

/** helpgate serving the demo media (`offers.mediaDir: null`). */
function demoApi(t: Test): Promise<string> {
  return ownRoutes(t);
}

/**
 * helpgate serving `<dir>/media`, beside files it must never serve: `secret.ogg` and
 * `secret.txt` in the parent folder.
 */
async function customApi(t: Test, files: Record<string, string> = {}) {
  const dir = t.testdir({
    media: { 'hello.mp3': 'ID3 not really an mp3', 'clip.mp4': 'mp4 bytes', ...files },
    'secret.ogg': 'OggS the secret beside the media folder',
    'secret.txt': 'a secret',
  });
  const mediaDir = join(dir, 'media');
  return { url: await ownRoutes(t, { mediaDir }), dir, mediaDir };
}

t.test('the demo media are served with their types, lengths and bytes', async (t) => {
  const url = await demoApi(t);
  for (const [name, type] of [
    ['help.ogg', 'audio/ogg'],
    ['help.webm', 'video/webm'],
    ['help.vtt', 'text/vtt; charset=utf-8'],
    ['help.jpg', 'image/jpeg'],
  ] as const) {
    const reply = await get(url, `media/${name}`);
    t.equal(reply.status, 200, name);
    t.equal(reply.headers['content-type'], type, `${name} type`);
    t.equal(reply.headers['content-length'], String(demo(name).length), `${name} length`);
    t.ok(reply.body.equals(demo(name)), `${name} bytes`);
    t.equal(reply.headers['accept-ranges'], 'bytes');
    t.equal(reply.headers['x-content-type-options'], 'nosniff');
    t.equal(reply.headers['cache-control'], 'public, max-age=86400');
    t.match(reply.headers.etag, /^"[A-Za-z0-9_-]{27}"$/, 'a strong ETag');
    t.ok(reply.headers['last-modified']);
  }
});

t.test('a versioned URL (?v=) is cached for a year as immutable', async (t) => {
  const url = await demoApi(t);
  const reply = await get(url, 'media/help.ogg?v=3');
  t.equal(reply.status, 200);
  t.equal(reply.headers['cache-control'], 'public, max-age=31536000, immutable');
});

t.test('a wrong method gets 405 with Allow: GET, HEAD', async (t) => {
  const url = await demoApi(t);
  const reply = await get(url, 'media/help.ogg', {}, 'POST');
  t.equal(reply.status, 405);
  t.equal(reply.headers.allow, 'GET, HEAD');
});

t.test('HEAD answers the headers of GET without a body', async (t) => {
  const url = await demoApi(t);
  const whole = await get(url, 'media/help.webm', {}, 'HEAD');
  t.equal(whole.status, 200);
  t.equal(whole.headers['content-length'], String(demo('help.webm').length));
  t.equal(whole.headers['content-type'], 'video/webm');
  t.equal(whole.body.length, 0);
  const part = await get(url, 'media/help.webm', { Range: 'bytes=0-9' }, 'HEAD');
  t.equal(part.status, 206);
  t.equal(part.headers['content-length'], '10');
  t.equal(part.body.length, 0);
});

t.test('If-None-Match with the ETag, or If-Modified-Since, gets 304 without a body', async (t) => {
  const url = await demoApi(t);
  const first = await get(url, 'media/help.vtt');
  const etag = String(first.headers.etag);
  for (const headers of [
    { 'If-None-Match': etag } as Record<string, string>,
    { 'If-None-Match': `"other", W/${etag}` },
    { 'If-None-Match': '*' },
    { 'If-Modified-Since': String(first.headers['last-modified']) },
  ]) {
    const again = await get(url, 'media/help.vtt', headers);
    t.equal(again.status, 304, JSON.stringify(headers));
    t.equal(again.body.length, 0);
    t.equal(again.headers.etag, etag);
    t.equal(again.headers['cache-control'], 'public, max-age=86400');
  }
  const other = await get(url, 'media/help.vtt', { 'If-None-Match': '"other"' });
  t.equal(other.status, 200, 'another ETag gets the file');
  const both = await get(url, 'media/help.vtt', {
    'If-None-Match': '"other"',
    'If-Modified-Since': String(first.headers['last-modified']),
  });
  t.equal(both.status, 200, 'If-None-Match decides when both are sent (RFC 9110 §13.1.3)');
});

t.test('Range: one range gets 206 with Content-Range and exactly those bytes', async (t) => {
  const url = await demoApi(t);
  const file = demo('help.webm');
  const size = file.length;
  for (const [range, start, end] of [
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, size - 1],
    ['bytes=-50', size - 50, size - 1],
    [`bytes=${size - 10}-${size + 1000}`, size - 10, size - 1],
    [`bytes=-${size + 1000}`, 0, size - 1],
  ] as const) {
    const reply = await get(url, 'media/help.webm', { Range: range });
    t.equal(reply.status, 206, range);
    t.equal(reply.headers['content-range'], `bytes ${start}-${end}/${size}`, range);
    t.equal(reply.headers['content-length'], String(end - start + 1), range);
    t.ok(reply.body.equals(file.subarray(start, end + 1)), `${range} bytes`);
    t.equal(reply.headers['content-type'], 'video/webm');
  }
});

t.test('Range past the end gets 416 with Content-Range: bytes */size', async (t) => {
  const url = await demoApi(t);
  const size = demo('help.ogg').length;
  for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0']) {
    const reply = await get(url, 'media/help.ogg', { Range: range });
    t.equal(reply.status, 416, range);
    t.equal(reply.headers['content-range'], `bytes */${size}`);
    t.equal(
      (JSON.parse(reply.body.toString()) as { error: { code: string } }).error.code,
      'HG_ERR_MEDIA_RANGE',
    );
  }
});

t.test('several ranges, or a Range that does not parse, get the whole file', async (t) => {
  const url = await demoApi(t);
  const size = demo('help.ogg').length;
  for (const range of ['bytes=0-9,20-29', 'bytes=9-0', 'bytes=abc', 'items=0-9', 'bytes=-']) {
    const reply = await get(url, 'media/help.ogg', { Range: range });
    t.equal(reply.status, 200, range);
    t.equal(reply.headers['content-length'], String(size));
    t.equal(reply.headers['content-range'], undefined);
  }
});

t.test('If-Range: the range holds for the same file, else the whole file comes', async (t) => {
  const url = await demoApi(t);
  const first = await get(url, 'media/help.ogg');
  const etag = String(first.headers.etag);
  const same = await get(url, 'media/help.ogg', { Range: 'bytes=0-9', 'If-Range': etag });
  t.equal(same.status, 206);
  const dated = await get(url, 'media/help.ogg', {
    Range: 'bytes=0-9',
    'If-Range': String(first.headers['last-modified']),
  });
  t.equal(dated.status, 206, 'the exact Last-Modified date');
  for (const ifRange of ['"changed"', `W/${etag}`, 'Thu, 01 Jan 1970 00:00:00 GMT']) {
    const changed = await get(url, 'media/help.ogg', { Range: 'bytes=0-9', 'If-Range': ifRange });
    t.equal(changed.status, 200, ifRange);
    t.equal(changed.body.length, first.body.length);
  }
});

t.test('a custom mediaDir is served, and the demo media are not', async (t) => {
  const { url } = await customApi(t);
  const mp3 = await get(url, 'media/hello.mp3');
  t.equal(mp3.status, 200);
  t.equal(mp3.headers['content-type'], 'audio/mpeg');
  t.equal(mp3.body.toString(), 'ID3 not really an mp3');
  const mp4 = await get(url, 'media/clip.mp4');
  t.equal(mp4.headers['content-type'], 'video/mp4');
  t.equal((await get(url, 'media/help.ogg')).status, 404);
});

t.test('a replaced file gets a new ETag, even at the same size and time', async (t) => {
  // Deployments copy files with their times kept (rsync -t, npm's fixed package dates).
  const { url, mediaDir } = await customApi(t);
  const file = join(mediaDir, 'hello.mp3');
  const when = new Date('2020-01-01T00:00:00Z');
  utimesSync(file, when, when);
  const before = await get(url, 'media/hello.mp3');
  writeFileSync(file, 'ID3 not really an mp4');
  utimesSync(file, when, when);
  const after = await get(url, 'media/hello.mp3', { 'If-None-Match': String(before.headers.etag) });
  t.equal(after.status, 200);
  t.not(after.headers.etag, before.headers.etag);
  t.equal(after.body.toString(), 'ID3 not really an mp4');
});

t.test('a large file streams whole and in ranges', async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 7);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const { url, mediaDir } = await customApi(t);
  writeFileSync(join(mediaDir, 'big.webm'), big);
  const whole = await get(url, 'media/big.webm');
  t.ok(whole.body.equals(big));
  const middle = await get(url, 'media/big.webm', { Range: 'bytes=1048576-2097151' });
  t.equal(middle.status, 206);
  t.ok(middle.body.equals(big.subarray(1048576, 2097152)));
});

// ── what must never be served ────────────────────────────────────────────────

/** Asserts that each path answers the same 404 as a file that does not exist. */
async function refused(t: Test, url: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    const reply = await get(url, path);
    t.equal(reply.status, 404, path);
    t.same(
      JSON.parse(reply.body.toString()),
      { error: { code: 'HG_ERR_MEDIA_NOT_FOUND', message: 'no such media file' } },
      `${path}: the body of a missing file`,
    );
  }
}

t.test('path traversal: media/..%2f..%2fetc/passwd is 404', async (t) => {
  // Slashes encoded so that no proxy or URL parser sees the dot segments.
  const { url } = await customApi(t);
  await refused(t, url, [
    'media/..%2f..%2fetc/passwd',
    'media/..%2fsecret.ogg',
    'media/..%2Fsecret.ogg',
    'media/%2e%2e%2fsecret.ogg',
    'media/%2E%2E/secret.ogg',
  ]);
});

t.test('path traversal: media/../secret.ogg sent as written is 404', async (t) => {
  // A client that does not resolve dot segments (curl --path-as-is) sends them as they are.
  const { url } = await customApi(t);
  await refused(t, url, ['media/../secret.ogg', 'media/./../secret.ogg', 'media/../../etc/passwd']);
});

t.test('path traversal with backslashes: media/..%5csecret.ogg is 404', async (t) => {
  // Windows reads "\" as a separator; some servers decode it into one.
  const { url } = await customApi(t);
  await refused(t, url, [
    'media/..%5csecret.ogg',
    'media/..\\secret.ogg',
    'media/..%5C..%5Csecret.ogg',
  ]);
});

t.test('double-encoded traversal: media/%252e%252e%252fsecret.ogg is 404', async (t) => {
  // A server that decodes twice turns %252e into "." on the second pass.
  const { url } = await customApi(t);
  await refused(t, url, ['media/%252e%252e%252fsecret.ogg', 'media/..%252fsecret.ogg']);
});

t.test('absolute path: media/%2fetc%2fpasswd and media//etc/passwd are 404', async (t) => {
  // path.join would keep an absolute name inside the folder, path.resolve would not.
  const { url, dir } = await customApi(t);
  const secret = encodeURIComponent(join(dir, 'secret.ogg'));
  await refused(t, url, ['media/%2fetc%2fpasswd', 'media//etc/passwd', `media/${secret}`]);
});

t.test('NUL byte: media/hello.mp3%00.txt and media/secret.txt%00.ogg are 404', async (t) => {
  // A NUL once cut the name short in C file APIs, leaving a type check on the wrong suffix.
  const { url } = await customApi(t);
  await refused(t, url, ['media/hello.mp3%00.txt', 'media/..%2fsecret.txt%00.ogg']);
});

t.test('symlink escape: a link in mediaDir to a file outside it is 404', async (t) => {
  // An operator's link (or one planted by an upload) must not widen what is served.
  const { url, dir, mediaDir } = await customApi(t);
  symlinkSync(join(dir, 'secret.ogg'), join(mediaDir, 'escape.ogg'));
  symlinkSync('/etc', join(mediaDir, 'etc.ogg'));
  symlinkSync(join(mediaDir, 'hello.mp3'), join(mediaDir, 'alias.mp3'));
  await refused(t, url, ['media/escape.ogg', 'media/etc.ogg', 'media/etc.ogg%2fpasswd']);
  const inside = await get(url, 'media/alias.mp3');
  t.equal(inside.status, 200, 'a link to another file of the folder is served');
  t.equal(inside.body.toString(), 'ID3 not really an mp3');
});

t.test('file disclosure: hidden files and files of other types are 404', async (t) => {
  // A stray .env, notes or a page in the folder is not media; HTML or SVG served from the
  // site's own origin would run script there.
  const { url } = await customApi(t, {
    '.env': 'SECRET=1',
    '.hidden.ogg': 'OggS',
    'notes.txt': 'notes',
    'page.html': '<script>alert(1)</script>',
    'logo.svg': '<svg onload="alert(1)"/>',
    noextension: 'x',
  });
  await refused(t, url, [
    'media/.env',
    'media/.hidden.ogg',
    'media/notes.txt',
    'media/page.html',
    'media/logo.svg',
    'media/noextension',
  ]);
});

t.test('directory listing: media/ and a subfolder are 404', async (t) => {
  // Only flat names of regular files: no listing, no subfolders, no folder named like media.
  const { url, mediaDir } = await customApi(t);
  mkdirSync(join(mediaDir, 'sub.ogg'));
  mkdirSync(join(mediaDir, 'sub'));
  writeFileSync(join(mediaDir, 'sub', 'in.ogg'), 'OggS');
  await refused(t, url, [
    'media/',
    'media/.',
    'media/%2e',
    'media/sub.ogg',
    'media/sub/in.ogg',
    'media/sub%2fin.ogg',
  ]);
});

t.test('named pipe: a FIFO in mediaDir answers 404 at once instead of hanging', async (t) => {
  // Opening a FIFO for reading waits for a writer: enough of them would stall the file I/O pool.
  const { url, mediaDir } = await customApi(t);
  execFileSync('mkfifo', [join(mediaDir, 'stuck.ogg')]);
  await refused(t, url, ['media/stuck.ogg']);
});
