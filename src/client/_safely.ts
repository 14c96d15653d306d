/** Runs `fn`, swallowing anything it throws: the page must never see the beacon fail. */
export function safely<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch {
      // Deliberately silent: no console output on the visitor's page.
    }
  };
}

/** Listens on the document in the capture phase, so events that do not bubble are seen too. */
export function listen<E extends Event>(type: string, fn: (event: E) => void): void {
  document.addEventListener(type, safely(fn as (event: Event) => void), true);
}
