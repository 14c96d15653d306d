/**
 * Mounts the console on `#console`. Logged out, the page holds a plain login form (it works
 * without this script); here its submit goes by fetch instead, so the login click also
 * unlocks the alert sound (browsers allow sound only after a gesture on the page).
 */
import { render } from 'preact';
import { startAlerts, unlockAudio } from './alerts.js';
import { type AlertToggles, ConsoleApp } from './console-app.js';
import { createConsoleStore } from './create-console-store.js';

const root = document.getElementById('console');

function readToggles(): AlertToggles {
  try {
    const saved = JSON.parse(localStorage.getItem('helpgate-console-alerts') ?? 'null');
    if (saved && typeof saved === 'object') {
      return { sound: saved.sound !== false, notify: saved.notify === true };
    }
  } catch {
    // Storage refused (a private window): the defaults.
  }
  return { sound: true, notify: false };
}

function mount(el: HTMLElement, prefix: string, csrf: string): void {
  const store = createConsoleStore({ prefix, csrf });
  let toggles = readToggles();
  const draw = () =>
    render(
      <ConsoleApp
        store={store}
        toggles={toggles}
        onToggles={(next) => {
          toggles = next;
          try {
            localStorage.setItem('helpgate-console-alerts', JSON.stringify(next));
          } catch {
            // Kept for this page only.
          }
          draw();
        }}
      />,
      el,
    );
  el.textContent = '';
  draw();
  startAlerts(store, () => toggles);
  store.loggedOut.subscribe((out) => {
    if (out) {
      store.stop();
      // The server's login form, fresh (and a new CSRF value after the next login).
      location.reload();
    }
  });
  store.start();
}

function interceptLogin(el: HTMLElement, prefix: string): void {
  const form = el.querySelector('form');
  const input = el.querySelector('input');
  if (!form || !input) return;
  input.focus();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    unlockAudio();
    const res = await fetch(`${prefix}console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ token: input.value }),
    });
    input.value = '';
    if (res.ok) {
      const { csrf, role } = (await res.json()) as { csrf: string; role: string };
      // As the plain form's login does: the admin token opens the supervisor's charts.
      if (role === 'admin') return location.assign(`${prefix}console/supervisor`);
      mount(el, prefix, csrf);
      return;
    }
    let message = 'The login failed; try again.';
    try {
      message = ((await res.json()) as { error: { message: string } }).error.message;
    } catch {
      // Not the catalogue's body: the default words.
    }
    let alert = el.querySelector<HTMLElement>('[role="alert"]');
    if (!alert) {
      alert = document.createElement('p');
      alert.className = 'error';
      alert.id = 'login-error';
      alert.setAttribute('role', 'alert');
      form.insertBefore(alert, form.querySelector('label'));
      input.setAttribute('aria-describedby', 'login-error');
    }
    alert.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  });
}

if (root) {
  const prefix = root.dataset.prefix ?? '/';
  const csrf = root.dataset.csrf;
  if (csrf) mount(root, prefix, csrf);
  else interceptLogin(root, prefix);
}
