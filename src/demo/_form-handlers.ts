import { CART_COOKIE, cartLines, MAX_QUANTITY, serializeCart } from './_cart.js';
import { readCheckoutValues, validateCheckout } from './_checkout-form.js';
import type { RouteContext } from './_context.js';
import { serializeCookie } from './_cookies.js';
import { CUSTOMER_COOKIE, customerIdFromName } from './_customer.js';
import { findProduct } from './_products.js';
import { htmlReply, type Reply, redirectReply } from './_reply.js';
import { notFoundReply, tooLargeReply } from './_status-replies.js';
import { loginPage } from './pages/account.js';
import { checkoutPage } from './pages/checkout.js';

const THIRTY_DAYS_S = 30 * 24 * 60 * 60;

function cartCookie(cart: Map<string, number>): string {
  return cart.size === 0
    ? serializeCookie(CART_COOKIE, '', { maxAgeSeconds: 0 })
    : serializeCookie(CART_COOKIE, serializeCart(cart), { maxAgeSeconds: THIRTY_DAYS_S });
}

/** POST /cart/add: `slug` and optional `quantity` (1–99). */
export async function addToCart(ctx: RouteContext): Promise<Reply> {
  const form = await ctx.req.form();
  if (form === null) return tooLargeReply(ctx.visitor);
  const product = findProduct(form.get('slug') ?? '');
  if (!product) return notFoundReply(ctx.visitor);
  const asked = Number.parseInt(form.get('quantity') ?? '1', 10);
  const quantity = Number.isFinite(asked) ? Math.min(Math.max(asked, 1), MAX_QUANTITY) : 1;
  const cart = new Map(ctx.cart);
  cart.set(product.slug, Math.min(MAX_QUANTITY, (cart.get(product.slug) ?? 0) + quantity));
  return redirectReply('/cart', [cartCookie(cart)]);
}

/** POST /cart/remove: `slug`. */
export async function removeFromCart(ctx: RouteContext): Promise<Reply> {
  const form = await ctx.req.form();
  if (form === null) return tooLargeReply(ctx.visitor);
  const cart = new Map(ctx.cart);
  cart.delete(form.get('slug') ?? '');
  return redirectReply('/cart', [cartCookie(cart)]);
}

/**
 * POST /checkout: re-renders the form with the entries and errors when validation fails
 * (status 200, as legacy sites do); otherwise records the order, empties the cart and redirects to /checkout/done.
 */
export async function submitCheckout(ctx: RouteContext): Promise<Reply> {
  const form = await ctx.req.form();
  if (form === null) return tooLargeReply(ctx.visitor);
  const values = readCheckoutValues(form);
  const errors = validateCheckout(values, ctx.shop.clock.now());
  if (Object.keys(errors).length > 0) {
    const novalidate = ctx.req.url.searchParams.get('novalidate') === '1';
    return htmlReply(
      200,
      checkoutPage(ctx.visitor, { values, errors, novalidate, cart: ctx.cart }),
      { 'Cache-Control': 'no-store' },
    );
  }
  const { lines } = cartLines(ctx.cart);
  if (ctx.customerId !== null && lines.length > 0) ctx.shop.orders.place(ctx.customerId, lines);
  return redirectReply('/checkout/done', [cartCookie(new Map())]);
}

/** POST /account/login: any name logs in; the customer id is the name's slug. */
export async function logIn(ctx: RouteContext): Promise<Reply> {
  const form = await ctx.req.form();
  if (form === null) return tooLargeReply(ctx.visitor);
  const name = (form.get('name') ?? '').trim().slice(0, 100);
  const customerId = customerIdFromName(name);
  if (!customerId) {
    return htmlReply(
      200,
      loginPage(ctx.visitor, name, 'Enter your name, using at least one letter or digit.'),
    );
  }
  return redirectReply('/account', [
    serializeCookie(CUSTOMER_COOKIE, customerId, { maxAgeSeconds: THIRTY_DAYS_S, httpOnly: true }),
  ]);
}

/** POST /account/logout. */
export async function logOut(ctx: RouteContext): Promise<Reply> {
  const form = await ctx.req.form();
  if (form === null) return tooLargeReply(ctx.visitor);
  return redirectReply('/account', [
    serializeCookie(CUSTOMER_COOKIE, '', { maxAgeSeconds: 0, httpOnly: true }),
  ]);
}
