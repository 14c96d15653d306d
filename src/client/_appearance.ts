/**
 * `offers.appearance`, passed to the beacon in its tag as `data-appearance` (JSON), applied to
 * the widget's host: the corner as `data-top` / `data-left`, the colour and stacking as the
 * custom properties its styles read (`--hg-accent`, `--hg-z`), set through the CSSOM, which a
 * strict Content-Security-Policy allows. The server validated it (`helpgate check`).
 */

export interface Appearance {
  /** The corner: bottom-right, bottom-left, top-right or top-left. */
  position: string;
  accent: string;
  zIndex: number;
}

/** The tag's appearance; `null` for a tag without one (the host's defaults then hold). */
export function readAppearance(script: HTMLScriptElement): Appearance | null {
  try {
    return JSON.parse(script.getAttribute('data-appearance') || 'null');
  } catch {
    return null;
  }
}

/**
 * Sets the host's corner and theme; with `flip` given, only the corner, upside down when true
 * (to keep clear of the field the visitor is filling).
 */
export function applyAppearance(host: HTMLElement, look: Appearance | null, flip?: boolean): void {
  const position = look ? look.position : '';
  host.toggleAttribute('data-top', position.startsWith('top') !== !!flip);
  host.toggleAttribute('data-left', position.endsWith('left'));
  if (look && flip === undefined) {
    host.style.cssText = `--hg-accent:${look.accent};--hg-z:${look.zIndex}`;
  }
}
