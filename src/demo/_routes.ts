import { gzipSync } from 'node:zlib';
import { acceptsGzip } from './_accept-encoding.js';
import { CART_COOKIE, cartCount, parseCart } from './_cart.js';
import { catalogueCsv, stockReport } from './_catalogue-exports.js';
import { CHECKOUT_FIELDS, type CheckoutValues } from './_checkout-form.js';
import type { RouteContext, ShopRequest, ShopState } from './_context.js';
import { CUSTOMER_COOKIE, readCustomerId } from './_customer.js';
import { addToCart, logIn, logOut, removeFromCart, submitCheckout } from './_form-handlers.js';
import { findProduct } from './_products.js';
import { htmlReply, jsonReply, type Reply, staticReply } from './_reply.js';
import { methodNotAllowedReply, notFoundReply } from './_status-replies.js';
import { accountPage, loginPage } from './pages/account.js';
import { accountOrdersPage, ORDERS_PATH } from './pages/account-orders.js';
import { cartPage } from './pages/cart.js';
import { cataloguePage } from './pages/catalogue.js';
import { checkoutDonePage, checkoutPage } from './pages/checkout.js';
import { helpPage } from './pages/help.js';
import { homePage } from './pages/home.js';
import { gzipPage, messagePage } from './pages/message.js';
import { productPage } from './pages/product.js';
import { accountJs } from './static/account-js.js';
import { siteCss } from './static/site-css.js';

type Handler = (ctx: RouteContext, params: readonly string[]) => Reply | Promise<Reply>;

interface Route {
  /** GET routes answer HEAD too. */
  readonly method: 'GET' | 'POST';
  readonly path: string | RegExp;
  readonly handle: Handler;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/', handle: (ctx) => page(homePage(ctx.visitor)) },
  {
    method: 'GET',
    path: '/catalogue',
    handle: (ctx) => page(cataloguePage(ctx.visitor, ctx.req.url.searchParams.get('category'))),
  },
  { method: 'GET', path: /^\/products\/([a-z0-9-]{1,60})$/, handle: showProduct },
  { method: 'GET', path: '/cart', handle: (ctx) => page(cartPage(ctx.visitor, ctx.cart)) },
  { method: 'POST', path: '/cart/add', handle: addToCart },
  { method: 'POST', path: '/cart/remove', handle: removeFromCart },
  { method: 'GET', path: '/checkout', handle: showCheckout },
  { method: 'POST', path: '/checkout', handle: submitCheckout },
  { method: 'GET', path: '/checkout/done', handle: (ctx) => page(checkoutDonePage(ctx.visitor)) },
  { method: 'GET', path: '/account', handle: showAccount },
  { method: 'POST', path: '/account/login', handle: logIn },
  { method: 'POST', path: '/account/logout', handle: logOut },
  { method: 'GET', path: /^\/account\/orders(?:\/([A-Za-z0-9-]{1,20}))?$/, handle: showOrders },
  { method: 'GET', path: '/help', handle: (ctx) => page(helpPage(ctx.visitor)) },
  {
    method: 'GET',
    path: '/static/site.css',
    handle: (ctx) => staticReply(siteCss, ctx.req.headers),
  },
  {
    method: 'GET',
    path: '/static/account.js',
    handle: (ctx) => staticReply(accountJs, ctx.req.headers),
  },
  {
    method: 'GET',
    path: '/api/stock.json',
    handle: (ctx) => jsonReply(200, stockReport(ctx.shop.clock.now())),
  },
  { method: 'GET', path: '/download/catalogue.csv', handle: downloadCatalogue },
  { method: 'GET', path: '/slow', handle: showSlowPage },
  { method: 'GET', path: '/gzip', handle: showGzipPage },
];

/** Answers one request: finds the route for its path and method and runs it. */
export async function route(req: ShopRequest, shop: ShopState): Promise<Reply> {
  const cart = parseCart(req.cookies.get(CART_COOKIE));
  const customerId = readCustomerId(req.cookies.get(CUSTOMER_COOKIE));
  const visitor = {
    cartCount: cartCount(cart),
    customerId,
    year: new Date(shop.clock.now()).getUTCFullYear(),
  };
  const ctx: RouteContext = { req, shop, cart, customerId, visitor };

  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const allowed: string[] = [];
  for (const candidate of ROUTES) {
    const params = matchPath(candidate.path, req.url.pathname);
    if (params === null) continue;
    if (candidate.method === method) return candidate.handle(ctx, params);
    allowed.push(...(candidate.method === 'GET' ? ['GET', 'HEAD'] : [candidate.method]));
  }
  return allowed.length > 0 ? methodNotAllowedReply(visitor, allowed) : notFoundReply(visitor);
}

function matchPath(path: string | RegExp, pathname: string): string[] | null {
  if (typeof path === 'string') return path === pathname ? [] : null;
  const match = path.exec(pathname);
  return match ? match.slice(1).map((group) => group ?? '') : null;
}

function page(markup: Parameters<typeof htmlReply>[1]): Reply {
  return htmlReply(200, markup);
}

function showProduct(ctx: RouteContext, [slug = '']: readonly string[]): Reply {
  const product = findProduct(slug);
  return product ? page(productPage(ctx.visitor, product)) : notFoundReply(ctx.visitor);
}

function showCheckout(ctx: RouteContext): Reply {
  const values = Object.fromEntries(CHECKOUT_FIELDS.map((f) => [f, ''])) as CheckoutValues;
  const novalidate = ctx.req.url.searchParams.get('novalidate') === '1';
  return page(checkoutPage(ctx.visitor, { values, errors: {}, novalidate, cart: ctx.cart }));
}

function showAccount(ctx: RouteContext): Reply {
  if (ctx.customerId === null) return page(loginPage(ctx.visitor));
  return page(accountPage(ctx.visitor, ctx.customerId, ctx.shop.orders.ordersOf(ctx.customerId)));
}

function showOrders(ctx: RouteContext, [view = '']: readonly string[]): Reply {
  const orders = ctx.shop.orders.ordersOf(ctx.customerId ?? 'guest');
  const known = view === '' || view === 'returns' || orders.some((order) => order.id === view);
  if (!known) return notFoundReply(ctx.visitor);
  const path = view === '' ? ORDERS_PATH : `${ORDERS_PATH}/${view}`;
  return page(accountOrdersPage(ctx.visitor, { customerId: ctx.customerId, orders, path }));
}

function downloadCatalogue(): Reply {
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="catalogue.csv"',
      'Cache-Control': 'no-cache',
    },
    body: catalogueCsv(),
  };
}

/** `/slow`: answers after the configured delay, to show what the proxy's timeouts do. */
async function showSlowPage(ctx: RouteContext): Promise<Reply> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ctx.shop.slowDelayMs);
    ctx.req.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
  const seconds = ctx.shop.slowDelayMs / 1000;
  return page(messagePage(ctx.visitor, 'A slow page', `This page took ${seconds} s to answer.`));
}

/** `/gzip`: the same page compressed when the client accepts gzip. */
function showGzipPage(ctx: RouteContext): Reply {
  const reply = htmlReply(200, gzipPage(ctx.visitor), { Vary: 'Accept-Encoding' });
  if (!acceptsGzip(ctx.req.headers['accept-encoding'])) return reply;
  return {
    status: 200,
    headers: { ...reply.headers, 'Content-Encoding': 'gzip' },
    body: gzipSync(reply.body),
  };
}
