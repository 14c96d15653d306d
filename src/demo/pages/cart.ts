import { type Cart, cartLines } from '../_cart.js';
import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';
import { formatPrice } from '../_products.js';

/** `/cart`: the cart's rows with a "Remove" button each, the total, and the way to checkout. */
export function cartPage(visitor: Visitor, cart: Cart): SafeHtml {
  const { lines, totalCents } = cartLines(cart);
  const main =
    lines.length === 0
      ? html`<h1>Your cart</h1>
<p id="cart-empty">Your cart is empty. <a href="/catalogue">Find something you like &raquo;</a></p>`
      : html`<h1>Your cart</h1>
<table class="grid" id="cart">
<thead><tr><th>Product</th><th>Price</th><th>Quantity</th><th>Subtotal</th><th></th></tr></thead>
<tbody>
${lines.map(
  ({ product, quantity, subtotalCents }) => html`<tr data-slug="${product.slug}">
  <td><a href="/products/${product.slug}">${product.name}</a></td>
  <td>${formatPrice(product.priceCents)}</td>
  <td class="quantity">${quantity}</td>
  <td>${formatPrice(subtotalCents)}</td>
  <td><form method="post" action="/cart/remove"><input type="hidden" name="slug" value="${product.slug}"><button type="submit">Remove</button></form></td>
</tr>
`,
)}</tbody>
<tfoot><tr><th colspan="3">Total</th><th id="cart-total">${formatPrice(totalCents)}</th><th></th></tr></tfoot>
</table>
<p><a class="button" href="/checkout">Proceed to checkout &raquo;</a></p>`;
  return layout(visitor, { title: 'Your cart', main });
}
