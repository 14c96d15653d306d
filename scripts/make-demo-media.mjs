// Makes the demo media that helpgate serves under {prefix}media/ when `offers.mediaDir` is
// null, from text: `node scripts/make-demo-media.mjs [folder]` (default: media/). Needs
// Debian's espeak-ng, ffmpeg and fonts-dejavu-core (`apt-get install espeak-ng ffmpeg
// fonts-dejavu-core`); the files are committed, so nothing else needs these tools.
//
// Writes help.ogg (the spoken message, Opus), help.webm (VP9 + Opus: a picture of the HELP
// button with the same speech), help.vtt (captions timed to the speech) and help.jpg (the
// video's poster). The same tools give the same bytes on every run: the speech is synthesised
// deterministically, the timeline is computed here, and ffmpeg runs bit-exact, single-threaded
// and without metadata (no encoder version, dates or random stream serials in the files).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The message, one caption cue per line; together the config's default audio transcript. */
const LINES = ['Need a hand?', 'Press Help to talk to us.'];
const VOICE = ['-v', 'en-us', '-s', '150', '-p', '45'];
/** Silence before the first line, between lines and after the last, in ms. */
const LEAD_MS = 300;
const GAP_MS = 450;
const TAIL_MS = 600;
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
/** The demo's accent colour (offers.appearance.accent's default). */
const ACCENT = '0x1d4ed8';
const SIZE = { w: 320, h: 180 };
/** Flags that keep ffmpeg's output the same from run to run. */
const BITEXACT = ['-fflags', '+bitexact', '-flags', '+bitexact', '-map_metadata', '-1'];
/** Speech as Opus: mono, 16 kb/s, tuned for voice (both the audio and the video message). */
const OPUS_VOICE = ['-ac', '1', '-c:a', 'libopus', '-b:a', '16k', '-application', 'voip'];

const QUIET = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-threads', '1'];

const out = resolve(process.argv[2] ?? 'media');
requireTools();
const work = mkdtempSync(join(tmpdir(), 'helpgate-media-'));
try {
  mkdirSync(out, { recursive: true });
  const { wav, cues, durationMs } = speak(work);
  writeFileSync(join(work, 'speech.wav'), wav);
  writeFileSync(join(out, 'help.vtt'), webvtt(cues));
  encodeAudio(join(work, 'speech.wav'), join(out, 'help.ogg'));
  encodeVideo(join(work, 'speech.wav'), cues, durationMs, join(out, 'help.webm'));
  encodePoster(join(out, 'help.jpg'));
  for (const name of ['help.ogg', 'help.webm', 'help.vtt', 'help.jpg']) {
    const bytes = readFileSync(join(out, name)).length;
    process.stdout.write(`${join(out, name)}  ${bytes} bytes\n`);
  }
  process.stdout.write(`duration ${(durationMs / 1000).toFixed(2)} s\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function requireTools() {
  const missing = [];
  for (const [tool, args] of [
    ['espeak-ng', ['--version']],
    ['ffmpeg', ['-version']],
  ]) {
    try {
      execFileSync(tool, args, { stdio: 'ignore' });
    } catch {
      missing.push(tool);
    }
  }
  if (!existsSync(FONT)) missing.push('fonts-dejavu-core');
  if (missing.length > 0) {
    process.stderr.write(
      `make-demo-media: missing ${missing.join(', ')}; on Debian: ` +
        'apt-get install espeak-ng ffmpeg fonts-dejavu-core\n',
    );
    process.exit(1);
  }
}

/**
 * Each line synthesised alone and joined with silence, so every cue's start and end are known
 * to the sample rather than guessed from the whole recording.
 */
function speak(dir) {
  let format;
  const parts = [];
  const cues = [];
  let samples = 0;
  const silence = (ms) => Buffer.alloc(Math.round((format.rate * ms) / 1000) * format.frame);
  LINES.forEach((text, index) => {
    const file = join(dir, `line-${index}.wav`);
    execFileSync('espeak-ng', [...VOICE, '-w', file, text]);
    const line = readWav(readFileSync(file));
    format ??= line;
    if (line.rate !== format.rate || line.frame !== format.frame) {
      throw new Error('espeak-ng wrote lines in different formats');
    }
    const pad = silence(index === 0 ? LEAD_MS : GAP_MS);
    parts.push(pad);
    samples += pad.length / format.frame;
    const startMs = (samples * 1000) / format.rate;
    parts.push(line.data);
    samples += line.data.length / format.frame;
    cues.push({ text, startMs, endMs: (samples * 1000) / format.rate });
  });
  const tail = silence(TAIL_MS);
  parts.push(tail);
  samples += tail.length / format.frame;
  const data = Buffer.concat(parts);
  return { wav: wavFile(format, data), cues, durationMs: (samples * 1000) / format.rate };
}

/** The format and samples of a PCM WAV file. */
function readWav(file) {
  if (file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error('espeak-ng did not write a WAV file');
  }
  let format;
  for (let at = 12; at + 8 <= file.length; ) {
    const id = file.toString('latin1', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      format = {
        channels: file.readUInt16LE(body + 2),
        rate: file.readUInt32LE(body + 4),
        frame: file.readUInt16LE(body + 12),
        bits: file.readUInt16LE(body + 14),
      };
    } else if (id === 'data' && format) {
      // A streamed WAV may carry a placeholder size: the samples run to the end of the file.
      return { ...format, data: file.subarray(body, Math.min(body + size, file.length)) };
    }
    at = body + size + (size % 2);
  }
  throw new Error('the WAV file has no samples');
}

function wavFile({ channels, rate, frame, bits }, data) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * frame, 28);
  header.writeUInt16LE(frame, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

function webvtt(cues) {
  const time = (ms) => {
    const whole = Math.round(ms);
    const h = String(Math.floor(whole / 3_600_000)).padStart(2, '0');
    const m = String(Math.floor(whole / 60_000) % 60).padStart(2, '0');
    const s = String(Math.floor(whole / 1000) % 60).padStart(2, '0');
    return `${h}:${m}:${s}.${String(whole % 1000).padStart(3, '0')}`;
  };
  const blocks = cues.map(
    (cue, i) => `${i + 1}\n${time(cue.startMs)} --> ${time(cue.endMs)}\n${cue.text}`,
  );
  return `WEBVTT\n\n${blocks.join('\n\n')}\n`;
}

function encodeAudio(wav, file) {
  execFileSync('ffmpeg', [...QUIET, '-i', wav, ...BITEXACT, ...OPUS_VOICE, file]);
}

/** The picture: a question mark while the first line is spoken, then the HELP button. */
function picture(switchAtMs) {
  const secondAt = (switchAtMs / 1000).toFixed(3);
  const text = (value, size, colour, when) =>
    `drawtext=fontfile=${FONT}:text='${value}':fontsize=${size}:fontcolor=${colour}` +
    `:x=(w-text_w)/2:y=(h-text_h)/2:enable='${when}'`;
  return [
    text('?', 110, 'white', `lt(t,${secondAt})`),
    `drawbox=x=${SIZE.w / 2 - 70}:y=${SIZE.h / 2 - 30}:w=140:h=60:color=white:t=fill` +
      `:enable='gte(t,${secondAt})'`,
    text('Help', 34, ACCENT, `gte(t,${secondAt})`),
  ].join(',');
}

function encodeVideo(wav, cues, durationMs, file) {
  const seconds = (durationMs / 1000).toFixed(3);
  execFileSync('ffmpeg', [
    ...QUIET,
    '-f',
    'lavfi',
    '-i',
    `color=c=${ACCENT}:s=${SIZE.w}x${SIZE.h}:r=12:d=${seconds}`,
    '-i',
    wav,
    ...BITEXACT,
    '-vf',
    picture(cues[1]?.startMs ?? durationMs),
    '-c:v',
    'libvpx-vp9',
    '-b:v',
    '0',
    '-crf',
    '40',
    '-row-mt',
    '0',
    '-g',
    '120',
    '-pix_fmt',
    'yuv420p',
    ...OPUS_VOICE,
    '-shortest',
    file,
  ]);
}

function encodePoster(file) {
  // The HELP button: what the visitor sees before pressing play says what it is about.
  execFileSync('ffmpeg', [
    ...QUIET,
    '-f',
    'lavfi',
    '-i',
    `color=c=${ACCENT}:s=${SIZE.w}x${SIZE.h}:r=12:d=1`,
    ...BITEXACT,
    '-vf',
    picture(0),
    '-frames:v',
    '1',
    '-q:v',
    '5',
    file,
  ]);
}
