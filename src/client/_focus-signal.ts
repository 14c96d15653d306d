import { fieldName, isFormField } from './_field-name.js';
import { listen } from './_safely.js';

/** The heartbeat's `focus`: the focused field and how long it has been focused without a break. */
export interface FocusSignal {
  field: string;
  ms: number;
}

/** Starts following focus; the returned function reads the signal for a heartbeat. */
export function watchFocus(): () => FocusSignal | null {
  let field: HTMLElement | null = null;
  let since = 0;
  const begin = (target: unknown) => {
    field = isFormField(target) ? target : null;
    since = performance.now();
  };
  listen('focusin', (event) => begin(event.target));
  listen('focusout', () => {
    field = null;
  });
  // An autofocused field had its focus before the beacon loaded.
  begin(document.activeElement);

  return () =>
    field !== null && document.activeElement === field
      ? { field: fieldName(field), ms: Math.round(performance.now() - since) }
      : null;
}
