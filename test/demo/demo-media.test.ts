/**
 * The demo media committed in `media/` (made by scripts/make-demo-media.mjs, which needs
 * espeak-ng and ffmpeg; the tests only read its output): there, small, of the formats their
 * names say, and the captions are the config's default transcript, timed within the speech.
 */
import { readFileSync, statSync } from 'node:fs';
import t from 'tap';
import { packageFile } from '../../src/util/package-root.js';
import { testConfig } from '../fixtures/servers.js';

const NAMES = ['help.ogg', 'help.webm', 'help.vtt', 'help.jpg'];
const file = (name: string) => readFileSync(packageFile('media', name));

t.test('the demo media are there and together under 300 KB', async (t) => {
  let total = 0;
  for (const name of NAMES) {
    const { size } = statSync(packageFile('media', name));
    t.ok(size > 0, `${name}: ${size} bytes`);
    total += size;
  }
  t.ok(total <= 300 * 1024, `${total} bytes in all`);
});

/** The Opus stream's length in seconds: the last page's granule position less the pre-skip. */
function opusSeconds(ogg: Buffer): number {
  const head = ogg.indexOf('OpusHead');
  const preSkip = ogg.readUInt16LE(head + 10);
  const lastPage = ogg.lastIndexOf('OggS');
  return Number(ogg.readBigUInt64LE(lastPage + 6) - BigInt(preSkip)) / 48_000;
}

t.test('help.ogg is Ogg Opus, mono, a few seconds long', async (t) => {
  const ogg = file('help.ogg');
  t.equal(ogg.toString('latin1', 0, 4), 'OggS');
  const head = ogg.indexOf('OpusHead');
  t.ok(head > 0, 'an Opus stream');
  t.equal(ogg[head + 9], 1, 'one channel');
  const seconds = opusSeconds(ogg);
  t.ok(seconds > 2 && seconds < 10, `${seconds} s`);
});

t.test('help.webm is WebM with VP8 or VP9 video and Opus audio', async (t) => {
  const webm = file('help.webm');
  t.same([...webm.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'EBML magic');
  t.ok(webm.subarray(0, 64).includes('webm'), 'DocType webm');
  t.ok(webm.includes('V_VP9') || webm.includes('V_VP8'), 'VP8 or VP9 video');
  t.ok(webm.includes('A_OPUS'), 'Opus audio');
});

t.test('help.jpg is a JPEG', async (t) => {
  const jpg = file('help.jpg');
  t.same([...jpg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'SOI');
  t.same([...jpg.subarray(-2)], [0xff, 0xd9], 'EOI');
});

interface Cue {
  start: number;
  end: number;
  text: string;
}

/** The cues of a WebVTT file (W3C WebVTT §4: a signature, blank lines, then cue blocks). */
function parseWebVtt(text: string): Cue[] {
  const [signature, ...blocks] = text
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split(/\r?\n(?:\r?\n)+/);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(signature ?? '')) throw new Error('no WEBVTT signature');
  const seconds = (time: string) => {
    const parts = time.split(':').map(Number);
    return parts.reduce((sum, part) => sum * 60 + part, 0);
  };
  return blocks
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const at = lines.findIndex((line) => line.includes('-->'));
      const timing =
        /^((?:\d{2,}:)?\d{2}:\d{2}\.\d{3}) --> ((?:\d{2,}:)?\d{2}:\d{2}\.\d{3})(?: .*)?$/.exec(
          lines[at] ?? '',
        );
      if (at > 1 || timing === null) throw new Error(`not a cue: ${block}`);
      return {
        start: seconds(timing[1]!),
        end: seconds(timing[2]!),
        text: lines.slice(at + 1).join('\n'),
      };
    });
}

t.test('help.vtt parses, is the default transcript, and is timed within the speech', async (t) => {
  const cues = parseWebVtt(file('help.vtt').toString('utf8'));
  t.ok(cues.length > 0, `${cues.length} cues`);
  t.equal(
    cues.map((cue) => cue.text).join(' '),
    testConfig().offers.content.audio.transcript,
    'the captions say what the transcript says',
  );
  let last = 0;
  for (const cue of cues) {
    t.ok(cue.start >= last && cue.end > cue.start, `${cue.start}–${cue.end} in order`);
    last = cue.end;
  }
  t.ok(last <= opusSeconds(file('help.ogg')), 'the last cue ends before the audio does');
});
