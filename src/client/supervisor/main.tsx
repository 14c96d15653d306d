/**
 * The supervisor page's script (`supervisor.js`): adopts uPlot's stylesheet and the page's
 * own, then mounts the view in `#supervisor`, fed by `api/stats` under the page's prefix.
 */
import { render } from 'preact';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { createSupervisorStore } from './create-supervisor-store.js';
import { SupervisorApp } from './supervisor-app.js';
import { SUPERVISOR_CSS } from './supervisor-styles.js';

const root = document.getElementById('supervisor');
if (root) {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(uplotCss + SUPERVISOR_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const store = createSupervisorStore(root.dataset.prefix ?? '/');
  root.textContent = '';
  render(<SupervisorApp store={store} />, root);
  void store.load();
}
