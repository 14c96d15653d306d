/**
 * The one element all of helpgate's page UI lives in: `<helpgate-widget>` with an open shadow
 * root, so the site's CSS misses it and page scripts can still find the focused field in it.
 * The beacon and the chat panel are separate bundles; whichever runs first makes the host, the
 * other finds it. Each adds its own adopted stylesheet (a strict CSP refuses `<style>`).
 */

export const HOST_TAG = 'helpgate-widget';

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
  return {
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
}
