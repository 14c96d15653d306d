import { html, type SafeHtml } from '../_html.js';
import { layout, type Visitor } from '../_layout.js';

/** `/help`: the site's own help page, the target of its help links and widget. */
export function helpPage(visitor: Visitor): SafeHtml {
  return layout(visitor, {
    title: 'Help',
    main: html`<h1>Help &amp; FAQ</h1>
<h2>When will my order arrive?</h2>
<p>Orders placed before 2 pm ship the same day and usually arrive within 3 working days.</p>
<h2>Can I return something?</h2>
<p>Yes, within 30 days. See <a href="/account/orders/returns">Returns</a> in your account.</p>
<h2>Which cards do you take?</h2>
<p>Visa, MasterCard and American Express.</p>
<h2 id="contact">Contact support</h2>
<p>Call 0800 555 0199 (Mon-Fri, 9 am to 5 pm) or write to support@cobblestone.example.</p>`,
  });
}
