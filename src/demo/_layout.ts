import { html, type SafeHtml } from './_html.js';

/** What the header and footer need to know about the visitor. */
export interface Visitor {
  readonly cartCount: number;
  readonly customerId: string | null;
  /** The current year, from the shop's clock. */
  readonly year: number;
}

/** The parts of one page that vary. */
export interface PageContent {
  readonly title: string;
  readonly main: SafeHtml;
  /** Page-specific CSS for the inline `<style>`. */
  readonly style?: string;
  /** Same-origin script URLs, loaded with `defer`. */
  readonly scripts?: readonly string[];
}

const BASE_STYLE = 'main{min-height:320px}';

/**
 * The full document: header with navigation, the page, a footer, and the site's own help
 * (the header and footer help links and the chat widget) that a proxy in front may strip.
 */
export function layout(visitor: Visitor, page: PageContent): SafeHtml {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${page.title} - Cobblestone Goods</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/site.css">
<style>${BASE_STYLE}${page.style ?? ''}</style>
${(page.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`)}</head>
<body>
<div id="wrap">
<div id="header">
  <a class="logo" href="/">Cobblestone <span>Goods</span></a>
  <ul class="nav">
    <li><a href="/">Home</a></li>
    <li><a href="/catalogue">Catalogue</a></li>
    <li><a href="/cart">Cart (<span id="cart-count">${visitor.cartCount}</span>)</a></li>
    <li><a href="/account">${visitor.customerId ? `Account: ${visitor.customerId}` : 'Log in'}</a></li>
    <li><a class="help-link" href="/help">Help</a></li>
  </ul>
</div>
<main id="content">
${page.main}
</main>
<div id="footer">
  <p>&copy; ${visitor.year} Cobblestone Goods &middot; Fine things since 1998 &middot;
  <a class="help-link" href="/help#contact">Contact support</a> &middot;
  <a href="/download/catalogue.csv">Download the catalogue (CSV)</a></p>
</div>
</div>
<div id="help-widget">
  <p class="help-widget-title">Questions? We are online.</p>
  <form action="/help" method="get"><button type="submit">Chat with us</button></form>
</div>
</body>
</html>
`;
}
