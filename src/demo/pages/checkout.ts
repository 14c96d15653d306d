import { type Cart, cartLines } from '../_cart.js';
import {
  CHECKOUT_FIELDS,
  type CheckoutErrors,
  type CheckoutField,
  type CheckoutValues,
} from '../_checkout-form.js';
import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';
import { formatPrice } from '../_products.js';

/** What the checkout page shows: the visitor's entries and any server-side errors. */
export interface CheckoutView {
  readonly values: CheckoutValues;
  readonly errors: CheckoutErrors;
  /** Adds `novalidate` so the browser submits anything and server-side errors show. */
  readonly novalidate: boolean;
  readonly cart: Cart;
}

interface FieldSpec {
  readonly label: string;
  readonly textarea?: boolean;
  /** The field's HTML5 constraints and autofill hints. */
  readonly attributes: SafeHtml;
}

const FIELDS: Record<CheckoutField, FieldSpec> = {
  name: {
    label: 'Full name',
    attributes: html`type="text" required maxlength="100" autocomplete="name"`,
  },
  email: { label: 'Email', attributes: html`type="email" required autocomplete="email"` },
  address: { label: 'Delivery address', textarea: true, attributes: html`required rows="3"` },
  postcode: {
    label: 'Postcode (5 digits)',
    attributes: html`type="text" required pattern="[0-9]{5}" inputmode="numeric" autocomplete="postal-code"`,
  },
  'card-number': {
    label: 'Card number',
    attributes: html`type="text" required pattern="[0-9 ]{13,23}" inputmode="numeric" autocomplete="cc-number"`,
  },
  expiry: {
    label: 'Expiry date (MM/YY)',
    attributes: html`type="text" required pattern="(0[1-9]|1[0-2])/[0-9]{2}" placeholder="MM/YY" autocomplete="cc-exp"`,
  },
};

/** `/checkout`: the order summary and the delivery and payment form. */
export function checkoutPage(visitor: Visitor, view: CheckoutView): SafeHtml {
  const { lines, totalCents } = cartLines(view.cart);
  const failed = CHECKOUT_FIELDS.filter((field) => view.errors[field] !== undefined);
  const action = view.novalidate ? '/checkout?novalidate=1' : '/checkout';
  return layout(visitor, {
    title: failed.length > 0 ? 'Checkout (please correct the errors)' : 'Checkout',
    style: '.summary{float:right;width:300px;margin-left:20px}',
    main: html`<h1>Checkout</h1>
<div class="summary">
<h2>Order summary</h2>
${
  lines.length === 0
    ? html`<p class="muted">Your cart is empty.</p>`
    : html`<ul>${lines.map(({ product, quantity, subtotalCents }) => html`<li>${quantity} × ${product.name}: ${formatPrice(subtotalCents)}</li>`)}</ul>
<p><strong>Total: ${formatPrice(totalCents)}</strong></p>`
}
</div>
${
  failed.length > 0
    ? html`<div class="error" role="alert" id="error-summary">
<p><strong>There ${failed.length === 1 ? 'is a problem' : `are ${failed.length} problems`} with your details:</strong></p>
<ul>${failed.map((field) => html`<li><a href="#${field}">${FIELDS[field].label}: ${view.errors[field]}</a></li>`)}</ul>
</div>`
    : ''
}
<form method="post" action="${action}" id="checkout-form"${view.novalidate ? html` novalidate` : ''}>
${CHECKOUT_FIELDS.map((field) => formRow(field, view.values[field], view.errors[field]))}
<p><button type="submit">Place order</button></p>
</form>`,
  });
}

function formRow(field: CheckoutField, value: string, error: string | undefined): SafeHtml {
  const spec = FIELDS[field];
  const invalid =
    error === undefined ? '' : html` aria-invalid="true" aria-describedby="err-${field}"`;
  const control = spec.textarea
    ? html`<textarea id="${field}" name="${field}" ${spec.attributes}${invalid}>${value}</textarea>`
    : html`<input id="${field}" name="${field}" value="${value}" ${spec.attributes}${invalid}>`;
  return html`<div class="form-row">
  <label for="${field}">${spec.label}</label>
  ${control}
  ${error === undefined ? '' : html`<span class="field-error" id="err-${field}">${error}</span>`}
</div>
`;
}

/** `/checkout/done`: the thank-you page after a successful order. */
export function checkoutDonePage(visitor: Visitor): SafeHtml {
  return layout(visitor, {
    title: 'Thank you',
    main: html`<h1>Thank you for your order!</h1>
<p class="notice">We have received your order and will email you when it ships.</p>
<p>${
      visitor.customerId
        ? html`You can follow it in <a href="/account/orders">your orders</a>.`
        : html`<a href="/account">Log in</a> next time to keep track of your orders.`
    }</p>
<p><a href="/">Back to the shop &raquo;</a></p>`,
  });
}
