import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';
import type { Order } from '../_orders.js';
import { formatPrice } from '../_products.js';

/** `/account` for a visitor who is not logged in: the login form, with an error if any. */
export function loginPage(visitor: Visitor, name = '', error?: string): SafeHtml {
  const invalid = error === undefined ? '' : html` aria-invalid="true" aria-describedby="err-name"`;
  return layout(visitor, {
    title: 'Log in',
    main: html`<h1>Log in to your account</h1>
${error === undefined ? '' : html`<div class="error" role="alert"><p>${error}</p></div>`}
<p class="muted">This is a demo shop: any name will do, there is no password.</p>
<form method="post" action="/account/login" id="login-form">
<div class="form-row">
  <label for="name">Your name</label>
  <input type="text" id="name" name="name" value="${name}" required maxlength="100" autocomplete="name"${invalid}>
  ${error === undefined ? '' : html`<span class="field-error" id="err-name">${error}</span>`}
</div>
<p><button type="submit">Log in</button></p>
</form>`,
  });
}

/** `/account` for a logged-in customer: recent orders and a way out. */
export function accountPage(
  visitor: Visitor,
  customerId: string,
  orders: readonly Order[],
): SafeHtml {
  return layout(visitor, {
    title: 'Your account',
    main: html`<h1>Hello, ${customerId}</h1>
<h2>Order history</h2>
${orderTable(orders.slice(0, 5), false)}
<p><a href="/account/orders">See all your orders &raquo;</a></p>
<form method="post" action="/account/logout"><button type="submit">Log out</button></form>`,
  });
}

/**
 * A table of orders. With `viewLinks` the order links switch views in the orders app
 * (see /static/account.js) instead of loading a page.
 */
export function orderTable(orders: readonly Order[], viewLinks: boolean): SafeHtml {
  if (orders.length === 0) return html`<p class="muted">No orders yet.</p>`;
  return html`<table class="grid orders">
<thead><tr><th>Order</th><th>Date</th><th>Status</th><th>Total</th></tr></thead>
<tbody>
${orders.map(
  (order) => html`<tr>
  <td><a href="/account/orders/${order.id}"${viewLinks ? html` data-view-link` : ''}>${order.id}</a></td>
  <td>${formatDate(order.placedAt)}</td>
  <td>${order.status}</td>
  <td>${formatPrice(order.totalCents)}</td>
</tr>
`,
)}</tbody>
</table>`;
}

/** A date as the account pages print it (UTC, so every visitor sees the same). */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
