import { type StaticAsset, staticAsset } from '../_reply.js';

/**
 * `/static/account.js`: turns the order pages into a small single-page app. Links marked
 * `data-view-link` switch the visible view and push a history entry instead of loading a page;
 * Back and Forward switch views again. Every view URL also renders on the server, so a reload
 * or a deep link shows the same view.
 */
export const accountJs: StaticAsset = staticAsset(
  `(function () {
  'use strict';
  var app = document.getElementById('orders-app');
  if (!app) return;

  function show(path) {
    var views = app.querySelectorAll('[data-view-path]');
    var shown = null;
    for (var i = 0; i < views.length; i++) {
      var match = views[i].getAttribute('data-view-path') === path;
      views[i].hidden = !match;
      if (match) shown = views[i];
    }
    if (!shown) {
      shown = views[0];
      if (shown) shown.hidden = false;
    }
    if (shown) document.title = shown.getAttribute('data-title') + ' - Cobblestone Goods';
  }

  app.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[data-view-link]');
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var url = new URL(link.href, location.href);
    if (url.origin !== location.origin) return;
    event.preventDefault();
    if (url.pathname !== location.pathname) history.pushState({ path: url.pathname }, '', url.pathname);
    show(url.pathname);
  });

  window.addEventListener('popstate', function () {
    show(location.pathname);
  });
})();
`,
  'text/javascript; charset=utf-8',
);
