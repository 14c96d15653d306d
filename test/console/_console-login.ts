// Logging in to the console as a browser does, and calling the agents' APIs with its cookie.
import type { Site } from '../claims/_visitor.js';

export interface ConsoleLogin {
  /** `hg_console=…`, as the browser sends it back. */
  cookie: string;
  csrf: string;
  setCookie: string;
}

/** `POST console/login` with JSON, as the console script does; throws unless it worked. */
export async function login(site: Pick<Site, 'url'>, token: string): Promise<ConsoleLogin> {
  const res = await fetch(`${site.url}/__helpgate/console/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ token }),
  });
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const { csrf } = (await res.json()) as { csrf: string };
  return { cookie: setCookie.split(';')[0]!, csrf, setCookie };
}

/** A same-origin console request with the cookie and (unless `csrf: null`) the CSRF header. */
export function consoleFetch(
  site: Pick<Site, 'url'>,
  session: ConsoleLogin,
  path: string,
  init: { method?: string; body?: unknown; csrf?: string | null; site?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    cookie: session.cookie,
    'sec-fetch-site': init.site ?? 'same-origin',
  };
  const csrf = init.csrf === undefined ? session.csrf : init.csrf;
  if (csrf !== null) headers['x-helpgate-csrf'] = csrf;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${site.url}/__helpgate/${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
}
