import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';
import type { Order } from '../_orders.js';
import { formatPrice } from '../_products.js';
import { formatDate, orderTable } from './account.js';

/** Path of the orders app's list view; every other view lives below it. */
export const ORDERS_PATH = '/account/orders';
/** Path of the orders app's returns view. */
export const RETURNS_PATH = '/account/orders/returns';

/** What the orders app shows and which of its views is open. */
export interface OrdersView {
  /** The logged-in customer; null shows a guest's sample orders. */
  readonly customerId: string | null;
  readonly orders: readonly Order[];
  /** The requested path: the list, the returns view, or one order. */
  readonly path: string;
}

/**
 * `/account/orders[/…]`: a client-side single-page section. All views are in the page and
 * /static/account.js switches between them with `history.pushState`; the server renders the
 * requested one visible so reloads and deep links work.
 */
export function accountOrdersPage(visitor: Visitor, view: OrdersView): SafeHtml {
  const views = [
    { path: ORDERS_PATH, title: 'Your orders', body: listView(view.orders) },
    { path: RETURNS_PATH, title: 'Returns', body: returnsView() },
    ...view.orders.map((order) => ({
      path: `${ORDERS_PATH}/${order.id}`,
      title: `Order ${order.id}`,
      body: orderView(order),
    })),
  ];
  const current = views.find((candidate) => candidate.path === view.path) ?? views[0]!;
  return layout(visitor, {
    title: current.title,
    scripts: ['/static/account.js'],
    style: '.tabs a{margin-right:12px;font-weight:bold}',
    main: html`<div id="orders-app">
<p class="tabs"><a href="${ORDERS_PATH}" data-view-link>All orders</a> <a href="${RETURNS_PATH}" data-view-link>Returns</a> <a href="/account">Account</a></p>
${view.customerId === null ? html`<p class="notice">You are not logged in, so these are sample orders. <a href="/account">Log in</a> to see yours.</p>` : ''}
${views.map(
  (
    candidate,
  ) => html`<section class="view" data-view-path="${candidate.path}" data-title="${candidate.title}"${candidate === current ? '' : html` hidden`}>
<h1>${candidate.title}</h1>
${candidate.body}
</section>
`,
)}</div>`,
  });
}

function listView(orders: readonly Order[]): SafeHtml {
  return orderTable(orders, true);
}

function returnsView(): SafeHtml {
  return html`<p>You can return anything within 30 days. Pick the order from <a href="${ORDERS_PATH}" data-view-link>your orders</a>
and quote its number on the returns slip in the parcel.</p>`;
}

function orderView(order: Order): SafeHtml {
  return html`<p>Placed on ${formatDate(order.placedAt)} &middot; ${order.status}</p>
<table class="grid">
<thead><tr><th>Product</th><th>Quantity</th><th>Price</th></tr></thead>
<tbody>${order.lines.map(
    (line) =>
      html`<tr><td><a href="/products/${line.slug}">${line.name}</a></td><td>${line.quantity}</td><td>${formatPrice(line.priceCents)}</td></tr>`,
  )}</tbody>
<tfoot><tr><th colspan="2">Total</th><th>${formatPrice(order.totalCents)}</th></tr></tfoot>
</table>
<p><a href="${ORDERS_PATH}" data-view-link>&laquo; All orders</a></p>`;
}
