/**
 * The resolved config as plain JSON for `helpgate check`: durations written back the way the
 * config writes them, URLs as strings, and every secret replaced by `"***"`.
 */
import type { Config } from './schema.js';
import { formatDuration, type Milliseconds, type Rate } from './units.js';

const MASK = '***';

/** A JSON-able copy of `config` that is safe to print. */
export function maskSecrets(config: Config): unknown {
  const { gate, offers, agents } = config;
  return {
    ...config,
    upstream: config.upstream.href,
    secret: config.secret.map(() => MASK),
    timeouts: durations(config.timeouts),
    heartbeat: durations(config.heartbeat),
    rateLimit: {
      perSession: rate(config.rateLimit.perSession),
      perAddress: rate(config.rateLimit.perAddress),
    },
    session: { ...config.session, ttl: formatDuration(config.session.ttl) },
    store:
      config.store.kind === 'redis'
        ? { ...config.store, url: maskUrlPassword(config.store.url) }
        : config.store,
    triggers: config.triggers.map((t) => ({
      ...t,
      when: { ...t.when, ...durations(pick(t.when, 'timeOnPage', 'timeOnField')) },
    })),
    gate: {
      ...gate,
      maxWait: learnedOr(gate.maxWait),
      learned: { ...gate.learned, ...durations(pick(gate.learned, 'fallback', 'min', 'max')) },
    },
    offers: {
      ...offers,
      expireAfter: learnedOr(offers.expireAfter),
      cooldownAfterDismiss: formatDuration(offers.cooldownAfterDismiss),
      learnedExpiry: {
        ...offers.learnedExpiry,
        ...durations(pick(offers.learnedExpiry, 'fallback', 'min', 'max')),
      },
    },
    agents: {
      ...agents,
      averageHandleTime: formatDuration(agents.averageHandleTime),
      list: agents.list.map((agent) => ({ ...agent, token: MASK })),
    },
    admin: { token: config.admin.token === null ? null : MASK },
    metrics: { token: config.metrics.token === null ? null : MASK },
  };
}

function durations<K extends string>(values: { [key in K]?: Milliseconds }): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const [key, ms] of Object.entries(values) as [K, Milliseconds | undefined][]) {
    if (ms !== undefined) out[key] = formatDuration(ms);
  }
  return out;
}

function pick<T extends object, K extends keyof T>(source: T, ...keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

function learnedOr(value: Milliseconds | 'learned'): string {
  return value === 'learned' ? value : formatDuration(value);
}

function rate({ count, windowMs }: Rate): string {
  return `${count}/${formatDuration(windowMs).replace(/^1(?=[smh]$)/, '')}`;
}

/** `redis://user:pw@host` → `redis://user:***@host`; the whole user part when it has no ":". */
function maskUrlPassword(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i,
    (_, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return `${scheme}${colon === -1 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`}@`;
    },
  );
}
