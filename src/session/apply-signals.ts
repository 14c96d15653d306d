/**
 * The beacon's signals about what the visitor is doing on the page (DESIGN.md, the flow):
 * the focused field with its continuous focus time (claim 4) and the fields showing errors
 * (claim 8), folded into the page view. Bounded whatever the body says.
 */
import type { Milliseconds } from '../config/units.js';
import type { Heartbeat } from './heartbeat-body.js';
import { MAX_ERROR_FIELDS, MAX_FIELD_NAME_LENGTH, type PageView } from './session.js';

/**
 * Applies a counted heartbeat's `focus` and `errors` to `page` at `now`. `intervalMs` is the
 * time the page view's first heartbeat stands for.
 */
export function applySignals(
  page: PageView,
  heartbeat: Heartbeat,
  now: number,
  intervalMs: Milliseconds,
): void {
  const focus = heartbeat.focus;
  if (focus) {
    // A field cannot have been focused longer than the page view has existed: the claim is
    // capped so a forged number cannot stand for time that never passed.
    const possibleMs = Math.max(0, now - page.startedAt) + intervalMs;
    page.focus = {
      field: focus.field.slice(0, MAX_FIELD_NAME_LENGTH),
      ms: Math.min(Math.max(0, focus.ms), possibleMs),
    };
  } else {
    page.focus = null;
  }

  if (heartbeat.errors && heartbeat.errors.length > 0) {
    const fields = page.errorFields ?? [];
    // Sessions saved before messages were kept have fields without them: '' stands in.
    const messages = fields.map((_, i) => page.errorMessages?.[i] ?? '');
    for (const error of heartbeat.errors) {
      if (fields.length >= MAX_ERROR_FIELDS) break;
      const field = error.field.slice(0, MAX_FIELD_NAME_LENGTH);
      if (fields.includes(field)) continue;
      fields.push(field);
      messages.push(error.message);
    }
    page.errorFields = fields;
    page.errorMessages = messages;
  }
}
