import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';

/** A page that only says something: not found, too large, slow, and the like. */
export function messagePage(visitor: Visitor, title: string, text: string): SafeHtml {
  return layout(visitor, {
    title,
    main: html`<h1>${title}</h1>
<p>${text}</p>
<p><a href="/">Back to the shop &raquo;</a></p>`,
  });
}

/** `/gzip`: a long page, served compressed, to show rewriting of compressed pages. */
export function gzipPage(visitor: Visitor): SafeHtml {
  const paragraphs = Array.from(
    { length: 40 },
    (_, i) =>
      html`<p>Paragraph ${i + 1}. Cobblestone Goods has sold sturdy things since 1998; this page repeats itself so that compression has something to do.</p>\n`,
  );
  return layout(visitor, {
    title: 'Compressed page',
    main: html`<h1>This page was sent gzip-compressed</h1>
<p id="gzip-note">If your browser accepts gzip, this page travelled compressed.</p>
${paragraphs}`,
  });
}
