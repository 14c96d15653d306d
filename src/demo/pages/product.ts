import { MAX_QUANTITY } from '../_cart.js';
import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';
import { formatPrice, type Product } from '../_products.js';

/** `/products/{slug}`: the description, price, stock and an "Add to cart" form. */
export function productPage(visitor: Visitor, product: Product): SafeHtml {
  return layout(visitor, {
    title: product.name,
    style:
      '.product .thumb{float:left;width:180px;height:180px;line-height:180px;font-size:80px;margin:0 20px 10px 0}',
    main: html`<div class="product">
<span class="thumb" aria-hidden="true">${product.name.charAt(0)}</span>
<h1>${product.name}</h1>
<p class="muted">${product.category}</p>
<p class="description">${product.description}</p>
<p class="price">${formatPrice(product.priceCents)}</p>
<p class="stock">${product.stock <= 3 ? `Only ${product.stock} left in stock` : 'In stock'}</p>
<form method="post" action="/cart/add" class="add-to-cart">
  <input type="hidden" name="slug" value="${product.slug}">
  <label for="quantity">Quantity</label>
  <input type="number" id="quantity" name="quantity" value="1" min="1" max="${MAX_QUANTITY}" size="3">
  <button type="submit">Add to cart</button>
</form>
<p style="clear:both"><a href="/catalogue">&laquo; Back to the catalogue</a></p>
</div>`,
  });
}
