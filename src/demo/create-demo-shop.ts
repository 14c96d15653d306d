import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Clock, systemClock } from '../util/clock.js';
import { readForm } from './_body.js';
import type { ShopRequest, ShopState } from './_context.js';
import { parseCookies } from './_cookies.js';
import { OrderBook } from './_orders.js';
import type { Reply } from './_reply.js';
import { route } from './_routes.js';
import { badRequestReply, serverErrorReply } from './_status-replies.js';

/** Options of {@link createDemoShop}. */
export interface DemoShopOptions {
  /** Source of "now" for card expiry checks, order dates and the footer year. Default: system clock. */
  clock?: Clock;
  /** How long `/slow` takes to answer, in milliseconds. Default: 2000. */
  slowDelayMs?: number;
}

/**
 * Creates the bundled demo shop: an ordinary server-rendered web shop (catalogue, cart,
 * checkout with server-side validation, account with a small single-page section) that
 * carries its own help links and chat widget. It knows nothing of helpgate. The server is
 * returned not yet listening.
 */
export function createDemoShop(options: DemoShopOptions = {}): Server {
  const clock = options.clock ?? systemClock;
  const shop: ShopState = {
    clock,
    orders: new OrderBook(clock),
    slowDelayMs: options.slowDelayMs ?? 2000,
  };
  return createServer((req, res) => {
    handle(req, res, shop).catch(() => {
      // Only a failure to write is left here; the visitor's connection is all we can drop.
      res.destroy();
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, shop: ShopState): Promise<void> {
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());

  // For the pages answered before the request could be read (400, 500).
  const nobody = {
    cartCount: 0,
    customerId: null,
    year: new Date(shop.clock.now()).getUTCFullYear(),
  };
  let reply: Reply;
  const url = parseRequestUrl(req.url);
  if (url === null) {
    reply = badRequestReply(nobody);
  } else {
    const request: ShopRequest = {
      method: req.method ?? 'GET',
      url,
      headers: req.headers,
      cookies: parseCookies(req.headers.cookie),
      signal: aborted.signal,
      form: () => readForm(req),
    };
    try {
      reply = await route(request, shop);
    } catch {
      reply = serverErrorReply(nobody);
    }
  }
  if (res.destroyed || res.headersSent) return;
  send(res, reply);
}

// Origin-form only (RFC 9112 §3.2.1). Prefixing a fixed origin keeps `//host/x` a path.
function parseRequestUrl(target: string | undefined): URL | null {
  if (!target?.startsWith('/')) return null;
  try {
    return new URL(`http://shop.invalid${target}`);
  } catch {
    return null;
  }
}

function send(res: ServerResponse, reply: Reply): void {
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  if (reply.status === 304) {
    res.end();
    return;
  }
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
