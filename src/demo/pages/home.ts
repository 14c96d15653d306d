import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';
import { PRODUCTS } from '../_products.js';
import { productCard } from './_product-card.js';

/** `/`: a welcome and the featured products. */
export function homePage(visitor: Visitor): SafeHtml {
  const featured = PRODUCTS.filter((product) => product.featured);
  return layout(visitor, {
    title: 'Welcome',
    style: '.intro{font-size:14px;max-width:640px}',
    main: html`<h1>Welcome to Cobblestone Goods</h1>
<p class="intro">Sturdy, good-looking things for the home, the kitchen and the road.
Free delivery on orders over $50. <a href="/catalogue">Browse the whole catalogue &raquo;</a></p>
<h2>Featured this week</h2>
<ul class="products" id="featured">
${featured.map(productCard)}
</ul>`,
  });
}
