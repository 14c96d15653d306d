import { fieldName, isFormField } from './_field-name.js';
import { listen } from './_safely.js';

/** One entry of the heartbeat's `errors`. */
export interface FormError {
  field: string;
  message: string;
}

/** The server's bound on entries per heartbeat. */
const MAX_ERRORS = 50;
const MAX_MESSAGE_CHARS = 200;
/** Error-message elements looked at per heartbeat, so a pathological page costs little. */
const MAX_MESSAGE_ELEMENTS = 200;

// Words for the browser's own validity states: its validationMessage may quote what the
// visitor typed ("'bob' is missing an '@'"), and values never leave the page.
const VALIDITY_WORDS: [keyof ValidityState, string][] = [
  ['valueMissing', 'required'],
  ['typeMismatch', 'wrong format'],
  ['patternMismatch', 'wrong format'],
  ['badInput', 'wrong format'],
  ['tooShort', 'too short'],
  ['tooLong', 'too long'],
  ['rangeUnderflow', 'too low'],
  ['rangeOverflow', 'too high'],
  ['stepMismatch', 'not an allowed value'],
];

type Validatable = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * Starts following what the visitor does to form fields; the returned function lists the form
 * errors shown now, one entry per field (claim 8): fields the browser finds invalid that the
 * visitor has left after typing or that failed a submit, fields marked `aria-invalid="true"`,
 * and visible elements matching `selectors` (server-side messages), each tied to its field.
 */
export function watchFormErrors(selectors: readonly string[]): () => FormError[] {
  // Fields the visitor has typed into, and those left after typing or refused on submit.
  const edited = new WeakSet<EventTarget>();
  const touched = new WeakSet<EventTarget>();
  const edit = (event: Event) => {
    if (event.target) edited.add(event.target);
  };
  listen('input', edit);
  listen('change', edit);
  listen('focusout', (event) => {
    if (event.target && edited.has(event.target)) touched.add(event.target);
  });
  // `invalid` does not bubble: the capture phase at the document sees every failed submit.
  listen('invalid', (event) => {
    if (event.target) touched.add(event.target);
  });

  return () => {
    const found = new Map<string, string>();
    const add = (field: string, message: string) => {
      const known = found.get(field);
      if (known === undefined ? found.size < MAX_ERRORS : !known && message) {
        found.set(field, message);
      }
    };
    // Messages tied to no field directly: an error summary's links, then lone messages.
    const listed: [Element, string][] = [];
    const unattached: [string, string][] = [];

    for (const el of messageElements(selectors)) {
      const message = textOf(el);
      if (!message) continue;
      const fields = fieldsOf(el);
      if (fields.length > 0) {
        for (const field of fields) add(fieldName(field), message);
        continue;
      }
      const links = linkedFields(el);
      if (links.length > 0) listed.push(...links);
      else unattached.push([fieldName(el), message]);
    }
    for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
      if (shown(el)) add(fieldName(el), describedError(el));
    }
    for (const el of document.querySelectorAll<Validatable>(
      'input:invalid,select:invalid,textarea:invalid',
    )) {
      if (touched.has(el)) add(fieldName(el), validityWords(el));
    }
    for (const [field, message] of listed) add(fieldName(field), message);
    // A lone message that repeats a field's message (an alert above the form) adds nothing.
    const messages = new Set(found.values());
    for (const [name, message] of unattached) if (!messages.has(message)) add(name, message);

    const errors: FormError[] = [];
    for (const [field, message] of found) errors.push({ field, message });
    return errors;
  };
}

/** Visible elements matching the selectors, innermost only (an alert wrapping a message). */
function messageElements(selectors: readonly string[]): Element[] {
  const matched = new Set<Element>();
  for (const selector of selectors) {
    try {
      for (const el of document.querySelectorAll(selector)) {
        if (matched.size < MAX_MESSAGE_ELEMENTS && shown(el)) matched.add(el);
      }
    } catch {
      // A selector this browser cannot parse finds nothing.
    }
  }
  const all = [...matched];
  return all.filter((el) => !all.some((other) => other !== el && el.contains(other)));
}

/**
 * The fields an error message belongs to, by the first rule that finds any: fields naming it
 * in `aria-describedby` or `aria-errormessage`, the control of an error `<label>`, a field named
 * in its id, else the nearest field before it in the same form (when it lists no links).
 */
function fieldsOf(el: Element): Element[] {
  const id = el.id;
  if (id) {
    const describing = [
      ...document.querySelectorAll('[aria-describedby],[aria-errormessage]'),
    ].filter((field) =>
      `${field.getAttribute('aria-describedby')} ${field.getAttribute('aria-errormessage')}`
        .split(/\s+/)
        .includes(id),
    );
    if (describing.length > 0) return describing;
  }
  const labelled = el instanceof HTMLLabelElement ? el.control : null;
  if (labelled) return [labelled];
  // `err-email`, `error_email`, `email-error`: the naming most sites use.
  const named = /^err(?:or)?[-_](.+)$/i.exec(id) ?? /^(.+?)[-_]err(?:or)?$/i.exec(id);
  if (named) {
    const field = document.getElementById(named[1]!) ?? document.getElementsByName(named[1]!)[0];
    if (isFormField(field)) return [field];
  }
  const form = el.closest('form');
  if (form && el.querySelector('a[href^="#"]') === null) {
    const fields = [...form.elements];
    for (let i = fields.length - 1; i >= 0; i--) {
      const field = fields[i]!;
      if (
        isFormField(field) &&
        field.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING
      ) {
        return [field];
      }
    }
  }
  return [];
}

/** The fields an error summary links to (`<a href="#email">`), each with its link's text. */
function linkedFields(el: Element): [Element, string][] {
  const linked: [Element, string][] = [];
  for (const link of el.querySelectorAll('a[href^="#"]')) {
    const field = document.getElementById(decodeHash(link.getAttribute('href')!));
    if (isFormField(field)) linked.push([field, textOf(link)]);
  }
  return linked;
}

function decodeHash(href: string): string {
  try {
    return decodeURIComponent(href.slice(1));
  } catch {
    return href.slice(1);
  }
}

/** The message of an `aria-invalid` field: its error message element, else its validity. */
function describedError(el: Element): string {
  for (const attribute of ['aria-errormessage', 'aria-describedby']) {
    for (const id of (el.getAttribute(attribute) ?? '').split(/\s+/)) {
      const target = id ? document.getElementById(id) : null;
      const text = target ? textOf(target) : '';
      if (text) return text;
    }
  }
  return 'willValidate' in el ? validityWords(el as Validatable) : '';
}

function validityWords(el: Validatable): string {
  const validity = el.validity;
  if (validity.customError) return clip(el.validationMessage);
  for (const [state, words] of VALIDITY_WORDS) if (validity[state]) return words;
  return '';
}

function shown(el: Element): boolean {
  return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
}

function textOf(el: Element): string {
  // biome-ignore lint/performance/useDomNodeTextContent: the message as the visitor sees it, without its hidden parts
  return clip((el as HTMLElement).innerText ?? el.textContent ?? '');
}

function clip(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE_CHARS).trim();
}
