import type { Clock } from '../util/clock.js';
import type { CartLine } from './_cart.js';
import { PRODUCTS } from './_products.js';

/** One row of a past order. */
export interface OrderLine {
  readonly slug: string;
  readonly name: string;
  readonly quantity: number;
  readonly priceCents: number;
}

/** A past order as the account pages show it. */
export interface Order {
  readonly id: string;
  readonly placedAt: number;
  readonly status: string;
  readonly lines: readonly OrderLine[];
  readonly totalCents: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
// The book lives in memory for the life of the server; bounds keep a busy demo from growing.
const MAX_CUSTOMERS = 1000;
const MAX_ORDERS_PER_CUSTOMER = 20;

/**
 * Order history per customer: a couple of made-up past orders derived from the customer id
 * (so every login has a history to browse) plus the orders placed while the server runs.
 */
export class OrderBook {
  readonly #clock: Clock;
  readonly #placed = new Map<string, Order[]>();
  #nextNumber = 5001;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The customer's orders, newest first. */
  ordersOf(customerId: string): Order[] {
    return [...(this.#placed.get(customerId) ?? []), ...this.#samples(customerId)];
  }

  /** One of the customer's orders by id. */
  find(customerId: string, orderId: string): Order | undefined {
    return this.ordersOf(customerId).find((order) => order.id === orderId);
  }

  /** Records an order for the customer and returns it. */
  place(customerId: string, lines: readonly CartLine[]): Order {
    const order = toOrder(`N${this.#nextNumber++}`, this.#clock.now(), 'Processing', lines);
    const orders = this.#placed.get(customerId) ?? [];
    this.#placed.delete(customerId);
    if (this.#placed.size >= MAX_CUSTOMERS) {
      const oldest = this.#placed.keys().next().value;
      if (oldest !== undefined) this.#placed.delete(oldest);
    }
    this.#placed.set(customerId, [order, ...orders].slice(0, MAX_ORDERS_PER_CUSTOMER));
    return order;
  }

  #samples(customerId: string): Order[] {
    const seed = hash(customerId);
    const now = this.#clock.now();
    const pick = (n: number) => PRODUCTS[(seed + n) % PRODUCTS.length]!;
    const number = 1000 + (seed % 8000);
    return [
      toOrder(`H${number + 1}`, now - 9 * DAY_MS, 'Shipped', [line(pick(1), 1), line(pick(5), 2)]),
      toOrder(`H${number}`, now - 41 * DAY_MS, 'Delivered', [line(pick(3), 1)]),
    ];
  }
}

function line(product: (typeof PRODUCTS)[number], quantity: number): CartLine {
  return { product, quantity, subtotalCents: product.priceCents * quantity };
}

function toOrder(id: string, placedAt: number, status: string, lines: readonly CartLine[]): Order {
  return {
    id,
    placedAt,
    status,
    lines: lines.map(({ product, quantity }) => ({
      slug: product.slug,
      name: product.name,
      quantity,
      priceCents: product.priceCents,
    })),
    totalCents: lines.reduce((sum, { subtotalCents }) => sum + subtotalCents, 0),
  };
}

// FNV-1a: a stable, well-spread number from the customer id.
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
