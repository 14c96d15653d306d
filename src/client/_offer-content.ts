/**
 * Turns the offer's HTML from the server into DOM nodes of this page, keeping only the
 * elements and attributes the four forms use: `style`, `on*`, `class` and everything unknown
 * go (the panel is styled by its own sheet), unknown elements — links and images too — are
 * unwrapped, code-bearing ones are dropped with their content, and media URLs must be
 * same-origin. A page offer's markup is read from the page (`data-html`), where a site's own
 * content (a comment, a review) could forge one: it can show text and buttons, which answer an
 * offer id the server does not know, but no link away and nothing from elsewhere.
 *
 * Two passes, because Chromium checks the page's Content-Security-Policy even while parsing
 * into an inert document (DOMParser, `<template>`): a `style` or `on*` attribute or a `<style>`
 * there is reported as a violation in the visitor's console. So the markup is first quieted as
 * text (comments and code-bearing elements dropped, `style` and `on*` attribute names
 * renamed), then parsed, and the parsed tree — entities decoded — is copied node by node with
 * the element, attribute and URL checks. The copy is the safety boundary; the text pass only
 * keeps the console quiet.
 */

const KEEP = new Set('audio b br button div em h2 h3 i p small span strong track video'.split(' '));
const ATTRIBUTE =
  /^(?:title|controls|kind|srclang|label|default|preload|playsinline|src|poster|aria-[a-z]+|data-helpgate-[a-z-]+)$/;
const URL_ATTRIBUTE = /^(?:src|poster)$/;
/** Elements whose content is code or never shown: dropped whole. */
const RAW =
  /<(script|style|template|textarea|title|noscript|iframe|object|svg|math|xmp)\b[\s\S]*?<\/\1\s*>/gi;
const COMMENT = /<!--[\s\S]*?-->|<![^>]*>|<\?[^>]*>/g;
/** A `style` or `on*` attribute name inside a start tag. */
const NOISY_ATTRIBUTE = /([\s"'])(on|style)(?=[\w-]*\s*=)/gi;
const MAX_DEPTH = 16;

export function offerContent(html: string): DocumentFragment {
  const parsed = new DOMParser().parseFromString(quiet(html), 'text/html');
  const fragment = document.createDocumentFragment();
  copyChildren(parsed.body, fragment, 0);
  return fragment;
}

function quiet(html: string): string {
  return html
    .replace(COMMENT, '')
    .replace(RAW, '')
    .replace(/<[a-z][^>]*>/gi, (tag) => tag.replace(NOISY_ATTRIBUTE, '$1x-$2'));
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
        const kept = URL_ATTRIBUTE.test(name) ? sameOrigin(value) : value;
        if (kept !== null) copy.setAttribute(name, kept);
      }
      if (copy instanceof HTMLButtonElement) copy.type = 'button';
      copyChildren(node, copy, depth + 1);
      to.appendChild(copy);
    }
  }
}

/** Media must be same-origin: a strict page policy (`default-src 'self'`) refuses the rest. */
function sameOrigin(value: string): string | null {
  try {
    const url = new URL(value, location.href);
    return url.origin === location.origin ? url.href : null;
  } catch {
    return null;
  }
}
