/** Field names longer than this are cut: the server bounds them, and a path is enough then. */
const MAX_NAME_CHARS = 100;
/** Ancestors a CSS path climbs at most; a field is found again well before that. */
const MAX_PATH_STEPS = 6;

// Buttons and hidden inputs hold nothing the visitor types or picks.
const NOT_ENTRY = /^(?:button|submit|reset|image|hidden)$/i;

/** Whether `el` is a form field a visitor fills in: input, select, textarea or contenteditable. */
export function isFormField(el: unknown): el is HTMLElement {
  if (!(el instanceof HTMLElement)) return false;
  const tag = el.localName;
  if (tag === 'input') return !NOT_ENTRY.test((el as HTMLInputElement).type);
  return tag === 'select' || tag === 'textarea' || el.isContentEditable;
}

/**
 * How a field (or an error message) is named in a heartbeat: its id, else its name, else a
 * short CSS path (`#form>div:nth-of-type(2)>input:nth-of-type(1)`) that stays the same across
 * reloads of the page. Never anything the visitor typed.
 */
export function fieldName(el: Element): string {
  return (el.id || el.getAttribute('name') || cssPath(el)).slice(0, MAX_NAME_CHARS);
}

/** A tag + nth-of-type chain up to the nearest ancestor with an id (or a few steps up). */
function cssPath(el: Element): string {
  const steps: string[] = [];
  let length = 0;
  for (
    let node: Element | null = el;
    node && node.localName !== 'body' && node.localName !== 'html' && steps.length < MAX_PATH_STEPS;
    node = node.parentElement
  ) {
    let step: string;
    if (node !== el && node.id) step = `#${node.id}`;
    else {
      let index = 1;
      for (let sib = node.previousElementSibling; sib; sib = sib.previousElementSibling) {
        if (sib.localName === node.localName) index++;
      }
      step = `${node.localName}:nth-of-type(${index})`;
    }
    // The steps nearest the element say most; the ones that do not fit are dropped.
    if (length + step.length + 1 > MAX_NAME_CHARS && steps.length > 0) break;
    steps.unshift(step);
    length += step.length + 1;
    if (step[0] === '#') break;
  }
  return steps.join('>') || el.localName;
}
