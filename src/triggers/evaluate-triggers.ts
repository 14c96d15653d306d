/**
 * The trigger engine (claims 2–10): which of the config's triggers fire for a session's
 * current page view, and why, in words an agent can read. A pure function of its input, the
 * config and the time: it reads the session and changes nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config, OfferKind, TriggerConfig } from '../config/schema.js';
import type { Profile } from '../profiles/profile.js';
import { type PageView, returnsTo, type Session } from '../session/session.js';
import { fieldList, ordinal, plural, profileField, seconds } from './_words.js';
import { compileTriggers } from './compile-triggers.js';

/** A trigger that fired: its name, the offer it asks for, and why. */
export interface FiredTrigger {
  name: string;
  offer: OfferKind;
  /** One line per condition, e.g. "on /checkout/pay for 47 s", "2 form errors: email, card-number". */
  reasons: string[];
}

export interface TriggerInput {
  session: Session;
  /** The current page view; `null` on a page request or before the first heartbeat. */
  page: PageView | null;
  /** The pathname being viewed or requested, canonical (`canonicalPath`). */
  pathname: string;
  /** The saved profile of the session's customer, when known. */
  profile: Profile | null;
  /** A page request (only `onRequest` triggers) or a heartbeat (only the others). */
  onRequest: boolean;
}

/**
 * The triggers that fire now, in config order. A trigger fires when its `pages` globs match
 * the pathname and every `when` condition holds; thresholds hold at ≥. Several triggers mean
 * "any": each one that fires is returned.
 */
export function evaluateTriggers(input: TriggerInput, config: Config, now: number): FiredTrigger[] {
  const compiled = compileTriggers(config);
  const candidates = input.onRequest ? compiled.onRequest : compiled.onHeartbeat;
  const signals: Signals = {
    ...input,
    now,
    atServicePoint: () => compiled.isServicePoint(input.pathname),
  };
  const fired: FiredTrigger[] = [];
  for (const trigger of candidates) {
    if (!trigger.onPage(input.pathname)) continue;
    const reasons = reasonsIfAllHold(trigger.config.when, signals);
    if (reasons !== null) {
      fired.push({ name: trigger.config.name, offer: trigger.config.offer, reasons });
    }
  }
  return fired;
}

interface Signals extends TriggerInput {
  now: number;
  atServicePoint: () => boolean;
}

type When = TriggerConfig['when'];

/** Each condition: its reason when it holds, `null` when it does not. */
const CONDITIONS: {
  [K in keyof When]-?: (limit: NonNullable<When[K]>, s: Signals) => string | null;
} = {
  // Claims 3, 5, 6: time on page as the heartbeats credited it.
  timeOnPage: (limitMs, { page }) =>
    page !== null && page.timeOnPageMs >= limitMs
      ? `on ${page.path} for ${seconds(page.timeOnPageMs)}`
      : null,
  // Claim 7: heartbeat messages of this page view.
  heartbeats: (limit, { page }) =>
    page !== null && page.heartbeats >= limit
      ? `${plural(page.heartbeats, 'heartbeat', 'heartbeats')} on this page`
      : null,
  // Claim 4: continuous focus on one field.
  timeOnField: (limitMs, { page }) =>
    page?.focus && page.focus.ms >= limitMs
      ? `on field ${page.focus.field} for ${seconds(page.focus.ms)}`
      : null,
  // Claim 8: fields with errors on this page view.
  formErrors: (limit, { page }) => {
    const fields = page?.errorFields ?? [];
    return fields.length >= limit
      ? `${plural(fields.length, 'form error', 'form errors')}: ${fieldList(fields)}`
      : null;
  },
  // Claim 9: earlier counted views of this pathname.
  returns: (limit, { session, pathname }) => {
    const returns = returnsTo(session, pathname);
    if (returns < limit) return null;
    return returns === 0
      ? `first view of ${pathname}`
      : `${ordinal(returns)} return to ${pathname}`;
  },
  // Claim 10: "is at" a service point.
  servicePoint: (wanted, { pathname, atServicePoint }) => {
    if (atServicePoint() !== wanted) return null;
    return wanted ? `at a service point (${pathname})` : `not at a service point (${pathname})`;
  },
  // Claim 2: every listed field equals the saved one.
  profile: (wanted, { profile }) => {
    const saved = profile ?? {};
    const keys = Object.keys(wanted);
    const holds = keys.every(
      (key) => Object.hasOwn(saved, key) && isDeepStrictEqual(saved[key], wanted[key]),
    );
    if (!holds) return null;
    return `profile: ${keys.map((key) => profileField(key, wanted[key])).join(', ')}`;
  },
  // Claims 23, 32: which kind of event decides is chosen by the caller; nothing to explain.
  onRequest: () => '',
};

function reasonsIfAllHold(when: When, signals: Signals): string[] | null {
  const reasons: string[] = [];
  for (const key of Object.keys(CONDITIONS) as (keyof When)[]) {
    const limit = when[key];
    if (limit === undefined) continue;
    const check = CONDITIONS[key] as (limit: unknown, s: Signals) => string | null;
    const reason = check(limit, signals);
    if (reason === null) return null;
    if (reason !== '') reasons.push(reason);
  }
  return reasons;
}
