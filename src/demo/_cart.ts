import { findProduct, type Product } from './_products.js';

/** Slug → quantity, in the order the visitor added them. */
export type Cart = Map<string, number>;

/** Name of the cookie that holds the cart. */
export const CART_COOKIE = 'cart';
/** Most of one product a cart may hold. */
export const MAX_QUANTITY = 99;
// Bounds the work a forged cookie can cause; the catalogue is far smaller anyway.
const MAX_ENTRIES = 50;

/**
 * Reads the cart cookie (`slug:qty|slug:qty`). It is unsigned, so anything a visitor could have
 * typed in is dropped: unknown products, non-numeric or out-of-range quantities.
 */
export function parseCart(value: string | undefined): Cart {
  const cart: Cart = new Map();
  if (!value) return cart;
  for (const entry of value.split('|').slice(0, MAX_ENTRIES)) {
    const [slug = '', quantityText = ''] = entry.split(':');
    if (!findProduct(slug) || !/^\d{1,3}$/.test(quantityText)) continue;
    const quantity = Number(quantityText);
    if (quantity < 1) continue;
    cart.set(slug, Math.min(MAX_QUANTITY, (cart.get(slug) ?? 0) + quantity));
  }
  return cart;
}

/** The cookie value for a cart; the inverse of {@link parseCart}. */
export function serializeCart(cart: Cart): string {
  return [...cart].map(([slug, quantity]) => `${slug}:${quantity}`).join('|');
}

/** Number of items in the cart, counting quantities. */
export function cartCount(cart: Cart): number {
  let count = 0;
  for (const quantity of cart.values()) count += quantity;
  return count;
}

/** One row of the cart as the cart and checkout pages show it. */
export interface CartLine {
  readonly product: Product;
  readonly quantity: number;
  readonly subtotalCents: number;
}

/** The cart's rows with prices, and the total. */
export function cartLines(cart: Cart): { lines: CartLine[]; totalCents: number } {
  const lines: CartLine[] = [];
  let totalCents = 0;
  for (const [slug, quantity] of cart) {
    const product = findProduct(slug);
    if (!product) continue;
    const subtotalCents = product.priceCents * quantity;
    lines.push({ product, quantity, subtotalCents });
    totalCents += subtotalCents;
  }
  return { lines, totalCents };
}
