/**
 * The one element all of helpgate's page UI lives in: `<helpgate-widget>` with an open shadow
 * root, so the site's CSS misses it and page scripts can still find the focused field in it.
 * The beacon and the chat panel are separate bundles; whichever runs first makes the host, the
 * other finds it. Each adds its own adopted stylesheet (a strict CSP refuses `<style>`).
 *
 * The host is the widget's box, fixed in a corner of the viewport: `data-top` and `data-left`
 * pick the corner (bottom-right without either), `--hg-accent` and `--hg-z` set on it carry
 * `offers.appearance`. Empty, it is a box of no size, so it blocks no taps on the page.
 */

export const HOST_TAG = 'helpgate-widget';

/**
 * Page rules beat `:host` rules unless these are `!important` (and then the host's win), and
 * inheritance crosses the boundary: `all: initial` cuts the page's fonts and colours off.
 */
const HOST_CSS =
  ':host{--hg-accent:#1d4ed8;--hg-z:2147483000;all:initial!important;' +
  'position:fixed!important;z-index:var(--hg-z)!important;bottom:16px!important;' +
  'right:16px!important;font:15px/1.4 system-ui,sans-serif!important;color:#222!important}' +
  ':host([data-top]){top:16px!important;bottom:auto!important}' +
  ':host([data-left]){left:16px!important;right:auto!important}';

export interface WidgetHost {
  host: HTMLElement;
  root: ShadowRoot;
  /** Adds `css` as an adopted stylesheet of the root (once per `key`). */
  adoptStyles(key: string, css: string): void;
}

/** The host, made and attached to `<body>` on first use; `null` before there is a body. */
export function widgetHost(): WidgetHost | null {
  let host = document.querySelector<HTMLElement>(HOST_TAG);
  if (host === null) {
    if (!document.body) return null;
    host = document.createElement(HOST_TAG);
    document.body.appendChild(host);
  }
  const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const element = host;
  const widget: WidgetHost = {
    host: element,
    root,
    adoptStyles(key, css) {
      if (element.getAttribute(`data-styles-${key}`) !== null) return;
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      element.setAttribute(`data-styles-${key}`, '');
    },
  };
  widget.adoptStyles('host', HOST_CSS);
  return widget;
}
