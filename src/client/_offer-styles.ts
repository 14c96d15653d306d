/**
 * The offer panel's one stylesheet, adopted into the widget's shadow root: no page selector
 * reaches inside, so nothing here needs `!important`. Colours from `--hg-accent` (the
 * config's `offers.appearance.accent`). Nothing moves (`prefers-reduced-motion` needs no case).
 * `.d` is a form with a title (screen, audio, video), `.a` an accepting button, `.x` close.
 */
export const OFFER_CSS =
  '.p{box-sizing:border-box;position:relative;max-width:calc(100vw - 32px);' +
  'max-height:calc(100vh - 32px);overflow:auto;padding:12px 40px 12px 16px;background:#fff;' +
  'border:1px solid #666;border-radius:8px;box-shadow:0 2px 9px #0005}' +
  '.d{width:320px;padding-right:16px}h2,p{margin:0 0 8px}h2{font-size:17px;margin-right:24px}' +
  'audio,video{width:100%}button{font:inherit;margin:4px 8px 0 0;' +
  'padding:6px 12px;border-radius:6px;border:2px solid var(--hg-accent);background:#fff;' +
  'color:var(--hg-accent)}.a{background:var(--hg-accent);color:#fff}' +
  '.x{position:absolute;top:0;right:0;padding:4px 8px;border:0;background:0;font-size:22px}' +
  ':focus-visible{outline:3px solid var(--hg-accent);outline-offset:2px}' +
  '.sr{position:absolute;clip-path:inset(50%)}';
