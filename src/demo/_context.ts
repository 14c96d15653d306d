import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../util/clock.js';
import type { Cart } from './_cart.js';
import type { Visitor } from './_layout.js';
import type { OrderBook } from './_orders.js';

/** The parts of a request the shop's handlers use. */
export interface ShopRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly cookies: ReadonlyMap<string, string>;
  /** Aborted when the client goes away before the answer is sent. */
  readonly signal: AbortSignal;
  /** The url-encoded form body; null when it is over the size limit. */
  form(): Promise<URLSearchParams | null>;
}

/** State that outlives one request. */
export interface ShopState {
  readonly clock: Clock;
  readonly orders: OrderBook;
  readonly slowDelayMs: number;
}

/** Everything a route handler needs. */
export interface RouteContext {
  readonly req: ShopRequest;
  readonly shop: ShopState;
  readonly cart: Cart;
  readonly customerId: string | null;
  readonly visitor: Visitor;
}
