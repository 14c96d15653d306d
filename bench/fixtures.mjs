// What the benchmarks serve and apply: a ~150 KB HTML page of a typical shop with the site's own
// help elements, a 1 KB JSON response, the five strip selectors and the injected script tag; and
// what the heartbeat benches send.

/** A deterministic ~150 KB HTML page; `variant` changes its text so every variant is distinct. */
export function shopPage(variant = 0) {
  const items = [];
  for (let i = 0, length = 0; length < 140_000; i++) {
    const item =
      `<li class="product" data-sku="sku-${variant}-${i}"><a href="/products/item-${i}"><img src="/img/${i}.jpg" alt="Item ${i}" width="120" height="90"></a>` +
      `<h3>Item ${i} &amp; friends</h3><p class="price">&pound;${(i * 3.7).toFixed(2)}</p>` +
      `<p>Hand-made, variant ${variant}. <!-- sku ${i} --> Ships in 2&ndash;3 days.</p>` +
      `<form method="post" action="/cart/add"><input type="hidden" name="sku" value="${i}"><button>Add to cart</button></form></li>\n`;
    items.push(item);
    length += item.length;
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

/**
 * Returns a function that makes a distinct variant `n` of {@link shopPage} as bytes in well under
 * a millisecond (a copy of one template with the variant number written into its slots), so that
 * an upstream serving a different page on every request is not the bottleneck.
 */
export function shopPageVariants() {
  const width = 10;
  const template = Buffer.from(shopPage('0'.repeat(width)));
  const slots = [];
  const marker = Buffer.from(`-${'0'.repeat(width)}-`);
  const text = Buffer.from(` ${'0'.repeat(width)}.`);
  for (const needle of [marker, text]) {
    for (let at = template.indexOf(needle); at >= 0; at = template.indexOf(needle, at + 1)) {
      slots.push(at + 1);
    }
  }
  return (n) => {
    const page = Buffer.from(template);
    const digits = String(n).padStart(width, '0').slice(-width);
    for (const at of slots) page.write(digits, at, 'latin1');
    return page;
  };
}

/** A ~1 KB JSON document, as an API of the site would answer. */
export const JSON_1KB = JSON.stringify({
  ok: true,
  items: Array.from({ length: 12 }, (_, i) => ({
    sku: `sku-${i}`,
    name: `Item ${i}`,
    price: Number((i * 3.7).toFixed(2)),
    stock: (i * 7) % 13,
  })),
  message: 'in stock',
});

/** The five strip selectors the benchmarks use. */
export const STRIP = [
  '.help-link',
  '#help-widget',
  '.help-banner',
  'div.support-chat',
  '[data-role=help]',
];

/** The script tag the reference proxies inject at the end of the head. */
export const BEACON_TAG = '<script src="/__helpgate/beacon.js?v=1" defer></script>';

/**
 * The body of a visitor's next heartbeat, as a checkout page sends it: a focused field and,
 * every third one, a form error. `visitor` is `{ pv, seq }`; its `seq` moves on.
 */
export function checkoutHeartbeat(visitor) {
  return JSON.stringify({
    pv: visitor.pv,
    path: '/checkout/pay',
    seq: visitor.seq++,
    visible: true,
    focus: { field: 'card-number', ms: 4000 },
    errors: visitor.seq % 3 === 0 ? [{ field: 'email', message: 'Please enter an email.' }] : [],
  });
}
