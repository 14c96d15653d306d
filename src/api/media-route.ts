/**
 * `GET {prefix}media/{file}`: the HELP option's audio, video, captions and poster, from
 * `offers.mediaDir` or, when that is null, the demo media shipped in the package's `media/`.
 *
 * Only a flat file name of a known media type is served, from a regular file inside the
 * folder: a traversal in any spelling, a symbolic link leading out, a folder, a device or a
 * stray `.env` all read as "no such media file". Files are streamed, never held in memory.
 * Browsers seek media with `Range`, so single ranges get 206; each file has a strong ETag
 * from its content, so a replaced file is noticed whatever its size and modification time.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import { byteRange } from '../util/byte-range.js';
import { packageFile } from '../util/package-root.js';
import { sendError } from './respond.js';

/**
 * The types served, by extension. Nothing a browser would run as a page (HTML, SVG, XML) is
 * on it: the files are served from the site's own origin.
 */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.flac': 'audio/flac',
  '.wav': 'audio/wav',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.ogv': 'video/ogg',
  '.vtt': 'text/vtt; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
};

/** Letters, digits, `.`, `_` and `-`, not starting with a dot: no folder, no hidden file. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * A URL as the config names it (`help.ogg`) may be replaced in place, so caches keep it a day
 * and then revalidate (a 304 while it is unchanged); a URL carrying a version (`?v=2`), which
 * the operator changes with the file, never changes meaning.
 */
const CACHE_UNVERSIONED = 'public, max-age=86400';
const CACHE_VERSIONED = 'public, max-age=31536000, immutable';

const ALLOW = 'GET, HEAD';
const HASH_CHUNK_BYTES = 64 * 1024;

export type MediaRoute = (req: IncomingMessage, res: ServerResponse, file: string) => Promise<void>;

/** The handler for `media/{file}`; `file` is the path after `media/`, still percent-encoded. */
export function createMediaRoute(config: Config): MediaRoute {
  const folder = config.offers.mediaDir ?? packageFile('media');
  // Content hashes by file version; a file is read once per version, not once per request.
  const etags = new LRUCache<string, Promise<string>>({ max: 256 });

  async function etagOf(handle: FileHandle, key: string): Promise<string> {
    let etag = etags.get(key);
    if (etag === undefined) {
      etag = hashFile(handle);
      etags.set(key, etag);
      etag.catch(() => etags.delete(key));
    }
    return etag;
  }

  return async (req, res, encoded) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, new HelpgateError('HG_ERR_METHOD_NOT_ALLOWED'), { Allow: ALLOW });
      return;
    }
    const found = await openMedia(folder, encoded);
    if (found === null) {
      sendError(res, new HelpgateError('HG_ERR_MEDIA_NOT_FOUND'));
      return;
    }
    const { handle, size, type, key, modified } = found;
    let streaming = false;
    try {
      const etag = await etagOf(handle, key);
      const versioned = new URL(req.url ?? '/', 'http://x').searchParams.has('v');
      const headers: Record<string, string> = {
        'Accept-Ranges': 'bytes',
        'Cache-Control': versioned ? CACHE_VERSIONED : CACHE_UNVERSIONED,
        ETag: etag,
        'Last-Modified': modified.toUTCString(),
        'X-Content-Type-Options': 'nosniff',
      };
      if (notModified(req, etag, modified)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      const range = rangeApplies(req, etag, modified)
        ? byteRange(req.headers.range, size)
        : ({ kind: 'whole' } as const);
      if (range.kind === 'unsatisfiable') {
        sendError(res, new HelpgateError('HG_ERR_MEDIA_RANGE', { size }), {
          ...headers,
          'Cache-Control': 'no-store',
          'Content-Range': `bytes */${size}`,
        });
        return;
      }
      headers['Content-Type'] = type;
      const start = range.kind === 'range' ? range.start : 0;
      const end = range.kind === 'range' ? range.end : size - 1;
      headers['Content-Length'] = String(end - start + 1);
      if (range.kind === 'range') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      res.writeHead(range.kind === 'range' ? 206 : 200, headers);
      if (req.method === 'HEAD' || size === 0) {
        res.end();
        return;
      }
      streaming = true;
      // The stream closes the handle; a visitor who goes away mid-file ends the read.
      await pipeline(handle.createReadStream({ start, end }), res).catch(() => res.destroy());
    } finally {
      if (!streaming) await handle.close().catch(() => {});
    }
  };
}

interface OpenMedia {
  handle: FileHandle;
  size: number;
  type: string;
  /**
   * Identifies this version of the file: its inode, size, and modification and change times
   * in ns. The change time moves on every write, even one whose modification time is then
   * set back (rsync -t, cp -p), and nobody can set it.
   */
  key: string;
  modified: Date;
}

/** The named file opened for reading, or null when it may not or cannot be served. */
async function openMedia(folder: string, encoded: string): Promise<OpenMedia | null> {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  const type = MEDIA_TYPES[extname(name).toLowerCase()];
  if (!FILE_NAME.test(name) || type === undefined) return null;
  let handle: FileHandle | undefined;
  try {
    const root = await realpath(folder);
    const real = await realpath(join(root, name));
    // A symbolic link in the folder may point at another of its files, not outside.
    if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
    // Checked before opening: opening a FIFO for reading would wait for a writer.
    if (!(await stat(real)).isFile()) return null;
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const info = await handle.stat({ bigint: true });
    if (!info.isFile()) throw new Error('replaced by something other than a file');
    const size = Number(info.size);
    return {
      handle,
      size,
      type,
      key: `${real}\0${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`,
      modified: new Date(Number(info.mtimeMs)),
    };
  } catch {
    await handle?.close().catch(() => {});
    return null;
  }
}

/** A strong ETag from the file's content, read in chunks through the open handle. */
async function hashFile(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(HASH_CHUNK_BYTES);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return `"${hash.digest('base64url').slice(0, 27)}"`;
}

/** `If-None-Match` (weak comparison, RFC 9110 §13.1.2), else `If-Modified-Since`. */
function notModified(req: IncomingMessage, etag: string, modified: Date): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch
      .split(',')
      .some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag);
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && Math.floor(modified.getTime() / 1000) * 1000 <= since;
}

/**
 * `If-Range` (§13.1.5): the range holds only while the file is the one the browser has part
 * of — the same strong ETag, or exactly its Last-Modified date; otherwise the whole file.
 */
function rangeApplies(req: IncomingMessage, etag: string, modified: Date): boolean {
  const ifRange = req.headers['if-range'];
  if (ifRange === undefined) return true;
  if (typeof ifRange !== 'string') return false;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === etag;
  return Date.parse(ifRange) === Math.floor(modified.getTime() / 1000) * 1000;
}
