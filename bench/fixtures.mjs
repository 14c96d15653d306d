// Pages the benchmarks serve: a ~150 KB HTML page of a typical shop with the site's own help
// elements, and a small JSON response.

/** A deterministic ~150 KB HTML page; `variant` changes its text so every variant is distinct. */
export function shopPage(variant = 0) {
  const items = [];
  for (let i = 0; items.join('').length < 140_000; i++) {
    items.push(
      `<li class="product" data-sku="sku-${variant}-${i}"><a href="/products/item-${i}"><img src="/img/${i}.jpg" alt="Item ${i}" width="120" height="90"></a>` +
        `<h3>Item ${i} &amp; friends</h3><p class="price">&pound;${(i * 3.7).toFixed(2)}</p>` +
        `<p>Hand-made, variant ${variant}. <!-- sku ${i} --> Ships in 2&ndash;3 days.</p>` +
        `<form method="post" action="/cart/add"><input type="hidden" name="sku" value="${i}"><button>Add to cart</button></form></li>\n`,
    );
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Demo shop &mdash; catalogue</title>
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = []; if (1 < 2) { window.dataLayer.push("</head>"); }</script>
</head>
<body>
<header><a href="/">Shop</a> <nav><a href="/catalogue">Catalogue</a> <a class="help-link" href="/help">Help</a></nav></header>
<aside class="promo"><a class="help-banner" href="/help">Questions? Read our FAQ</a></aside>
<main><ul class="catalogue">
${items.join('')}</ul></main>
<div id="help-widget"><p>Chat with us</p><button>Open chat</button></div>
<div class="support-chat" data-vendor="legacy"><iframe src="/chat"></iframe></div>
<footer><a class="help-link" href="/help">Contact support</a> <span data-role="help">Call us</span></footer>
</body>
</html>
`;
}

export const SMALL_JSON = JSON.stringify({ ok: true, items: [1, 2, 3], message: 'in stock' });

/** The five strip selectors the benchmarks use. */
export const STRIP = [
  '.help-link',
  '#help-widget',
  '.help-banner',
  'div.support-chat',
  '[data-role=help]',
];
