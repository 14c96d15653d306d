import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';
import { PRODUCTS } from '../_products.js';
import { productCard } from './_product-card.js';

/** `/catalogue`: every product, optionally narrowed to one category (`?category=`). */
export function cataloguePage(visitor: Visitor, category: string | null): SafeHtml {
  const categories = [...new Set(PRODUCTS.map((product) => product.category))];
  const shown = categories.includes(category ?? '') ? category : null;
  const products = PRODUCTS.filter((product) => shown === null || product.category === shown);
  return layout(visitor, {
    title: shown ? `Catalogue: ${shown}` : 'Catalogue',
    style: '.categories a.current{font-weight:bold;color:#222;text-decoration:none}',
    main: html`<h1>Catalogue${shown ? `: ${shown}` : ''}</h1>
<p class="categories">Show:
  <a href="/catalogue"${shown === null ? html` class="current"` : ''}>All</a>
  ${categories.map(
    (name) =>
      html` | <a href="/catalogue?category=${encodeURIComponent(name)}"${name === shown ? html` class="current"` : ''}>${name}</a>`,
  )}
</p>
<ul class="products" id="catalogue">
${products.map(productCard)}
</ul>
<p class="muted">${products.length} products.</p>`,
  });
}
