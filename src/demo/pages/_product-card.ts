import { html, type SafeHtml } from '../_html.js';
import { formatPrice, type Product } from '../_products.js';

/** A product tile as the home and catalogue pages list it. */
export function productCard(product: Product): SafeHtml {
  return html`<li>
  <a href="/products/${product.slug}"><span class="thumb" aria-hidden="true">${product.name.charAt(0)}</span></a>
  <h3><a href="/products/${product.slug}">${product.name}</a></h3>
  <p class="price">${formatPrice(product.priceCents)}</p>
</li>`;
}
