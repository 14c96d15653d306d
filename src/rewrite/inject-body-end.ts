/**
 * Rewrite step "inject body end": puts an HTML snippet (the HELP option, when an offer goes
 * out with the page) just before the first `</body>`, or at the end of a page without one.
 */
import type { TreeListener } from './open-elements.js';
import type { Splicer } from './splicer.js';

export function createBodyEndStep(html: string, splicer: Splicer): TreeListener {
  let done = false;
  return {
    bodyEndTag(at) {
      if (done) return;
      done = true;
      splicer.insert(at, html);
    },
    end(at, inData) {
      if (done || !inData) return;
      done = true;
      splicer.insert(at, html);
    },
  };
}
