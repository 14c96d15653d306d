/**
 * Rewrite step "inject beacon": puts the beacon tag into the page exactly once — in the real
 * head, after any `<meta charset>` and CSP `<meta>` (so at the point where the head ends),
 * else at the start of the body, else at the end. Because the insertion points are token
 * boundaries the tree builder reports, the tag never lands before the doctype nor inside a
 * comment, a raw-text element or a template. Until it is placed, the output is held back from
 * the last point in the head where it could go (after `<head>` or the last whole element in
 * it, or where the head was implied or ended): a page that ends inside raw text, a comment or a template before
 * its body starts, or whose `<frameset>` replaces the body, gets it there instead — so heads
 * stream once they close. A page that is nothing but a comment before any element gets none:
 * the tag could go neither before the comment (which would move the comment into the head) nor
 * into it. A `<meta>` Content-Security-Policy that would
 * block the beacon keeps it out (the policy is never weakened); one that uses a nonce lends
 * it.
 */
import { beaconAllowedByCsp, type PageOrigin } from './content-security-policy.js';
import type { OpenElement, TreeListener } from './open-elements.js';
import type { Splicer } from './splicer.js';

/** Where the beacon went, for the log line. */
export type BeaconPlacement = 'head' | 'body' | 'end' | 'blocked-by-meta-csp' | 'not-placed';

export interface BeaconStepOptions {
  /** The tag to insert for a nonce (the page's, or null); an empty string inserts nothing. */
  beaconTag: (nonce: string | null) => string;
  /** The nonce of the header policy, when it uses one. */
  nonce: string | null;
  origin: PageOrigin | null;
  splicer: Splicer;
  placed: (where: BeaconPlacement) => void;
}

/** The splicer hold slot of this step (the strip step uses slot 0). */
const HOLD = 1;

export function createBeaconStep(options: BeaconStepOptions): TreeListener {
  const { splicer } = options;
  const metaPolicies: string[] = [];
  let done = false;
  // The last point in the head where the beacon could still go, held back from the output
  // until it is placed: a page may end (or turn into a frameset) before its head is done.
  let fallback = -1;
  let inHead = false;
  let headChild: OpenElement | null = null;

  const waitAt = (at: number) => {
    if (done) return;
    fallback = at;
    splicer.release(HOLD);
    splicer.hold(at, HOLD);
  };

  const place = (at: number, where: BeaconPlacement) => {
    if (done) return;
    done = true;
    // Nothing about elements matters any more: spare the rest of the page the calls.
    step.elementStart = undefined;
    step.elementEnd = undefined;
    splicer.release(HOLD);
    let nonce = options.nonce;
    if (metaPolicies.length > 0) {
      const verdict = beaconAllowedByCsp(metaPolicies, options.origin);
      if (!verdict.allowed) {
        options.placed('blocked-by-meta-csp');
        return;
      }
      nonce ??= verdict.nonce;
    }
    const html = options.beaconTag(nonce);
    if (html !== '') splicer.insert(at, html);
    options.placed(where);
  };

  const step: TreeListener = {
    elementStart(el, tag, depth) {
      if (done) return false;
      const child = inHead && depth === 2;
      if (child) headChild = el;
      if (tag !== null && el.name === 'meta') {
        const httpEquiv = tag.attr('http-equiv')?.trim().toLowerCase();
        const policy = httpEquiv === 'content-security-policy' ? tag.attr('content') : null;
        if (policy !== null) metaPolicies.push(policy);
      }
      // Its end is a later place for the beacon (see elementEnd).
      return child;
    },
    elementEnd(el, end) {
      // After each whole element of the head (a <meta charset> among them) is a later point.
      if (el === headChild && inHead) waitAt(end);
    },
    headStart(at) {
      inHead = true;
      waitAt(at);
    },
    headEnd(at, explicitHead, headHadContent) {
      inHead = false;
      if (explicitHead || headHadContent) place(at, 'head');
      else waitAt(at);
    },
    bodyStart(at) {
      place(at, 'body');
    },
    framesetStart() {
      // Anything after a <frameset> is dropped by the parser; the head still works.
      if (fallback >= 0) place(fallback, 'head');
    },
    end(at, inData) {
      if (inData) place(at, 'end');
      else if (fallback >= 0) place(fallback, 'head');
      else if (!done) {
        done = true;
        options.placed('not-placed');
      }
    },
  };
  return step;
}
