/**
 * The audio and video messages of the HELP option (claims 21, 22). The server's markup has the
 * controls, captions on by default (`<track default>`) and `preload="metadata"`; audio never
 * plays before the visitor presses its play control (browsers refuse sound before a gesture,
 * and it would speak over the page). Video plays muted by itself only where the browser allows
 * it and the visitor has not asked for reduced motion; else its poster and play control wait.
 * A message that cannot load (a 404, a page policy refusing media) never fails silently: the
 * player goes, a note says so, and the words stay — the transcript, which is always shown, or
 * the captions' text in place of the video (when the page's policy lets them load).
 */
import { safely } from './_safely.js';

/** Makes the players in `box` behave as above. */
export function wireMedia(box: HTMLElement): void {
  for (const media of box.querySelectorAll<HTMLMediaElement>('audio,video')) {
    media.addEventListener(
      'error',
      safely(() => failed(media)),
      true,
    );
    if (media.localName === 'video' && !matchMedia('(prefers-reduced-motion:reduce)').matches) {
      media.muted = true;
      // Refused (autoplay policy, a load error): the poster and the controls stay.
      media.play().catch(() => {});
    }
  }
}

/** The player could not load: its words instead. */
function failed(media: HTMLMediaElement): void {
  if (media.hidden) return;
  media.hidden = true;
  const note = document.createElement('p');
  const text = `The ${media.localName} message cannot be played here.`;
  note.textContent = text;
  media.after(note);
  // The captions load on their own, even when the video does not.
  const track = media.querySelector('track');
  const say = () => {
    const cues = track?.track.cues;
    if (cues?.length) {
      const words = [...cues].map((cue) => (cue as VTTCue).text).join(' ');
      note.textContent = `${text} It says: ${words.replace(/<[^>]*>/g, '')}`;
    }
  };
  say();
  track?.addEventListener('load', safely(say));
}
