// Reasons in words an agent can read: how a fired trigger explains itself.

/** Form-error field names listed in a reason before "and N more". */
const LISTED_FIELDS = 5;

/** Whole seconds, rounded down: the threshold was met, not rounded up to it. */
export function seconds(ms: number): string {
  return `${Math.floor(ms / 1000)} s`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, … */
export function ordinal(n: number): string {
  const lastTwo = n % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${n}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "email, card-number" or "a, b, c, d, e and 3 more". */
export function fieldList(fields: readonly string[]): string {
  const shown = fields.slice(0, LISTED_FIELDS).join(', ');
  const more = fields.length - LISTED_FIELDS;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

/** `assist = true`, `tier = "gold"`. */
export function profileField(key: string, value: unknown): string {
  return `${key} = ${JSON.stringify(value) ?? String(value)}`;
}
