/**
 * Turns the offer's HTML from the server into DOM nodes of this page, keeping only plain
 * elements and harmless attributes: `style`, `on*`, `class` and everything unknown go (the
 * panel is styled through the CSSOM instead), unknown elements are unwrapped, and code-bearing
 * ones are dropped with their content.
 *
 * Two passes, because Chromium checks the page's Content-Security-Policy even while parsing
 * into an inert document (DOMParser, `<template>`): a `style` attribute there is reported as a
 * violation in the visitor's console. So the markup is first reduced as text to allowed tags
 * and attribute names, then parsed, and the parsed tree — entities decoded — is copied node by
 * node with the URL checks. The copy is the safety boundary; the text pass keeps the console
 * quiet.
 */

const KEEP = new Set(
  'a audio b br button div em h2 h3 h4 i img li ol p small source span strong track ul video'.split(
    ' ',
  ),
);
const ATTRIBUTE =
  /^(?:alt|title|controls|kind|srclang|label|default|href|src|poster|aria-[a-z]+|data-helpgate-[a-z-]+)$/;
const URL_ATTRIBUTE = /^(?:href|src|poster)$/;
/** Elements whose content is code or never shown: dropped whole. */
const RAW =
  /<(script|style|template|textarea|title|noscript|iframe|object|svg|math|xmp)\b[\s\S]*?<\/\1\s*>/gi;
const COMMENT = /<!--[\s\S]*?-->|<![^>]*>|<\?[^>]*>/g;
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const ATTRIBUTES = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const MAX_DEPTH = 16;

export function offerContent(html: string): DocumentFragment {
  const parsed = new DOMParser().parseFromString(reduce(html), 'text/html');
  const fragment = document.createDocumentFragment();
  copyChildren(parsed.body, fragment, 0);
  return fragment;
}

function reduce(html: string): string {
  return html
    .replace(COMMENT, '')
    .replace(RAW, '')
    .replace(TAG, (_tag, slash: string, tagName: string, attributes: string) => {
      const name = tagName.toLowerCase();
      if (!KEEP.has(name)) return '';
      if (slash) return `</${name}>`;
      let kept = '';
      attributes.replace(
        ATTRIBUTES,
        (_attr, attrName: string, q2?: string, q1?: string, bare?: string) => {
          const lower = attrName.toLowerCase();
          const value = q2 ?? q1 ?? bare ?? '';
          if (ATTRIBUTE.test(lower)) kept += ` ${lower}="${value.replace(/"/g, '&quot;')}"`;
          return '';
        },
      );
      return `<${name}${kept}>`;
    });
}

function copyChildren(from: Node, to: Node, depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (let node = from.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.appendChild(document.createTextNode(node.nodeValue ?? ''));
    } else if (node instanceof Element) {
      if (!KEEP.has(node.localName)) {
        copyChildren(node, to, depth + 1);
        continue;
      }
      const copy = document.createElement(node.localName);
      for (const { name, value } of node.attributes) {
        if (!ATTRIBUTE.test(name)) continue;
        const kept = URL_ATTRIBUTE.test(name) ? safeUrl(value, name === 'href') : value;
        if (kept !== null) copy.setAttribute(name, kept);
      }
      // An image whose source was refused would only show as a broken icon.
      if (copy.localName === 'img' && !copy.hasAttribute('src')) continue;
      if (copy instanceof HTMLButtonElement) copy.type = 'button';
      copyChildren(node, copy, depth + 1);
      to.appendChild(copy);
    }
  }
}

/**
 * Links may go to any http(s) page; media must be same-origin, as a strict page policy
 * (`default-src 'self'`) would refuse anything else with a console error.
 */
function safeUrl(value: string, anyOrigin: boolean): string | null {
  try {
    const url = new URL(value, location.href);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return anyOrigin || url.origin === location.origin ? url.href : null;
  } catch {
    return null;
  }
}
