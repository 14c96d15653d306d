/**
 * The one schema of helpgate's YAML config (DESIGN.md, "Contract: configuration"). Defaults
 * live here and nowhere else; the resolved {@link Config} type is inferred from it. Durations
 * resolve to milliseconds, sizes to bytes, rates to `{ count, windowMs }`.
 */
import { z } from 'zod';
import { checkSelector } from '../rewrite/check-selector.js';
import { parseCidr } from '../util/cidr.js';
import { checkGlob } from '../util/glob.js';
import { parseDuration, parseRate, parseSize } from './units.js';

/** The most worker processes `workers` allows (a bound against a typo such as 40000). */
export const MAX_WORKERS = 256;

/** Marks a custom issue with the catalogue code the loader reports it under. */
function issue(ctx: z.RefinementCtx, hgCode: string, message: string) {
  ctx.addIssue({ code: 'custom', message, params: { hgCode } });
  return z.NEVER;
}

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  return ms === undefined
    ? issue(ctx, 'HG_ERR_CONFIG_DURATION', `not a duration: ${JSON.stringify(value)}`)
    : ms;
});

const boundedDuration = (minMs: number, maxMs: number, text: string) =>
  duration.refine((ms) => ms >= minMs && ms <= maxMs, { message: `must be ${text}` });

const size = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  return bytes === undefined
    ? issue(ctx, 'HG_ERR_CONFIG_SIZE', `not a size: ${JSON.stringify(value)}`)
    : bytes;
});

const rate = z.string().transform((value, ctx) => {
  const parsed = parseRate(value);
  return parsed === undefined
    ? issue(ctx, 'HG_ERR_CONFIG_RATE', `not a rate: ${JSON.stringify(value)} (e.g. "2/s")`)
    : parsed;
});

const httpUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return issue(ctx, 'HG_ERR_CONFIG_URL', `not a valid URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return issue(
      ctx,
      'HG_ERR_CONFIG_URL',
      `must be an http:// or https:// URL, not ${url.protocol}`,
    );
  }
  if (url.username || url.password) {
    return issue(ctx, 'HG_ERR_CONFIG_URL', 'must not carry a user name or password');
  }
  return url;
});

/** A URL that is an origin only (scheme, host, port), with no path, query or fragment. */
const originUrl = httpUrl.transform((url, ctx) => {
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return issue(ctx, 'HG_ERR_CONFIG_URL', 'must be an origin only, e.g. https://shop.example');
  }
  return url;
});

const origin = originUrl.transform((url) => url.origin);

const selector = z.string().transform((value, ctx) => {
  const problem = checkSelector(value);
  return problem === undefined ? value : issue(ctx, 'HG_ERR_CONFIG_SELECTOR', problem);
});

const glob = z.string().transform((value, ctx) => {
  const problem = checkGlob(value);
  return problem === undefined ? value : issue(ctx, 'HG_ERR_CONFIG_GLOB', problem);
});

const cidr = z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if ('problem' in parsed) {
    issue(ctx, 'HG_ERR_CONFIG_INVALID', `${parsed.problem} (e.g. 10.0.0.0/8 or 2001:db8::/32)`);
  }
});

const filePath = z.string().min(1);

const percentile = z.number().min(1).max(100);

/**
 * A media URL of the HELP option: a path on the site's own origin (`/…`), which a strict page
 * policy (`default-src 'self'`) allows; another origin would be refused with a console error.
 */
const media = z
  .string()
  .transform((value, ctx) =>
    /^\/(?![/\\])[^\\\s]*$/.test(value)
      ? value
      : issue(
          ctx,
          'HG_ERR_CONFIG_URL',
          `must be a path on the site's own origin, like /__helpgate/media/help.ogg, not ${JSON.stringify(value)}`,
        ),
  );

/** 0–255, a channel of `rgb()`. */
const CHANNEL = '\\s*(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)\\s*';
const COLOUR = new RegExp(
  `^(?:#[0-9a-f]{3}|#[0-9a-f]{6}|rgb\\(${CHANNEL},${CHANNEL},${CHANNEL}\\))$`,
  'i',
);

/** A CSS colour the widget's theme takes: `#rgb`, `#rrggbb` or `rgb(r, g, b)`. */
const colour = z.string().refine((value) => COLOUR.test(value), {
  message: 'must be a colour as #rgb, #rrggbb or rgb(r, g, b), e.g. "#1d4ed8"',
});

// ── sections ──────────────────────────────────────────────────────────────────

const listen = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Open connections at most; further ones are closed at once. Default 10000. */
  maxConnections: z.number().int().min(1).default(10_000),
  tls: z.strictObject({ cert: filePath, key: filePath }).nullable().default(null),
});

const timeouts = z.strictObject({
  connect: duration.default(5_000),
  /** The upstream's response headers. */
  headers: duration.default(30_000),
  /** A client's request head (then 408 and the connection closes). */
  clientHeaders: duration.default(20_000),
  /** The whole body of a request to helpgate's own routes. */
  body: duration.default(30_000),
  /** The longest pause between chunks of a body: the upstream's, or a client's upload. */
  idle: duration.default(60_000),
  shutdownGrace: duration.default(10_000),
});

const secret = z.union([z.string(), z.array(z.string()).min(1)]).transform((value, ctx) => {
  const list = Array.isArray(value) ? value : [value];
  if (list.some((s) => s.length < 16)) {
    return issue(ctx, 'HG_ERR_CONFIG_INVALID', 'each secret must be at least 16 characters long');
  }
  return list;
});

const trustProxy = z.union([z.boolean(), z.number().int().min(0), z.array(cidr)]);

const rewrite = z.strictObject({
  maxBytes: size.default(8 * 1024 * 1024),
  frames: z.boolean().default(false),
  cacheEntries: z.number().int().min(0).default(256),
});

const condition = z.strictObject({
  timeOnPage: duration.optional(),
  heartbeats: z.number().int().min(1).optional(),
  timeOnField: duration.optional(),
  formErrors: z.number().int().min(1).optional(),
  returns: z.number().int().min(0).optional(),
  servicePoint: z.boolean().optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
  onRequest: z.boolean().optional(),
});

/** Conditions that can be decided on the page request itself (DESIGN.md, onRequest triggers). */
const ON_REQUEST_CONDITIONS = new Set(['onRequest', 'profile', 'returns', 'servicePoint']);

const offerKind = z.enum(['button', 'screen', 'audio', 'video']);

const trigger = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "-", "_" or "." (max 64)'),
    pages: z.array(glob).min(1).nullable().default(null),
    when: condition,
    offer: offerKind.default('button'),
  })
  .superRefine((t, ctx) => {
    const keys = Object.keys(t.when).filter((k) => t.when[k as keyof typeof t.when] !== undefined);
    if (keys.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['when'],
        message: 'needs at least one condition',
        params: { hgCode: 'HG_ERR_CONFIG_INVALID' },
      });
    }
    if (t.when.onRequest) {
      for (const key of keys.filter((k) => !ON_REQUEST_CONDITIONS.has(k))) {
        ctx.addIssue({
          code: 'custom',
          path: ['when', key],
          message: `onRequest triggers combine only with profile, returns and servicePoint, not ${key}`,
          params: { hgCode: 'HG_ERR_CONFIG_INVALID' },
        });
      }
    }
  });

const learned = z.strictObject({
  percentile: percentile.default(50),
  minSamples: z.number().int().min(1).default(20),
  windowSamples: z.number().int().min(1).max(100_000).default(500),
  fallback: duration.default(30_000),
  min: duration.default(5_000),
  max: duration.default(300_000),
});

const learnedExpiry = z.strictObject({
  percentile: percentile.default(90),
  factor: z.number().positive().default(1.5),
  minSamples: z.number().int().min(1).default(20),
  windowSamples: z.number().int().min(1).max(100_000).default(500),
  fallback: duration.default(120_000),
  min: duration.default(30_000),
  max: duration.default(600_000),
});

const durationOrLearned = z.union([z.literal('learned'), duration]);

const agent = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "-", "_" or "." (max 64)'),
  name: z.string().min(1).optional(),
  token: z.string().min(16, 'must be at least 16 characters long'),
  capacity: z.number().int().min(1).max(100).optional(),
});

/** A canned reply of the console: typing `/` and its key inserts `text` at the cursor. */
const cannedReply = z.strictObject({
  key: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'letters, digits, "-", "_" or "." (max 32)'),
  text: z.string().min(1).max(2000),
});

// ── the whole config ──────────────────────────────────────────────────────────

export const configSchema = z
  .strictObject({
    listen: listen.prefault({}),
    upstream: originUrl,
    upstreamCa: filePath.nullable().default(null),
    publicUrl: origin.nullable().default(null),
    preserveHost: z.boolean().default(true),
    timeouts: timeouts.prefault({}),
    prefix: z
      .string()
      .regex(
        /^\/(?:[A-Za-z0-9._~-]+\/)+$/,
        'a path that starts and ends with "/", e.g. /__helpgate/',
      )
      .default('/__helpgate/'),
    secret,
    trustProxy: trustProxy.default(false),
    strip: z.array(selector).default([]),
    exclude: z.array(glob).default([]),
    // An upstream that ignores case in paths: exclude, servicePoints and pages do too.
    paths: z.strictObject({ caseInsensitive: z.boolean().default(false) }).prefault({}),
    consent: z
      .strictObject({ cookie: z.string().min(1), value: z.string().optional() })
      .nullable()
      .default(null),
    rewrite: rewrite.prefault({}),
    heartbeat: z
      .strictObject({
        interval: boundedDuration(1_000, 300_000, 'between 1s and 5m').default(5_000),
      })
      .prefault({}),
    beacon: z
      .strictObject({
        errorSelectors: z.array(selector).default(['.error', '.field-error', '[role=alert]']),
      })
      .prefault({}),
    rateLimit: z
      .strictObject({
        perSession: rate.default({ count: 2, windowMs: 1000 }),
        perAddress: rate.default({ count: 50, windowMs: 1000 }),
      })
      .prefault({}),
    session: z
      .strictObject({
        ttl: duration.default(1_800_000),
        maxSessions: z.number().int().min(1).default(100_000),
        maxPinned: z.number().int().min(1).default(10_000),
      })
      .prefault({}),
    store: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('memory') }),
        z.strictObject({
          kind: z.literal('redis'),
          url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
          keyPrefix: z.string().default('helpgate:'),
          /** How long any one store command may take before it fails; default 500 ms. */
          timeout: boundedDuration(10, 60_000, 'between 10ms and 60s').default(500),
        }),
      ])
      .default({ kind: 'memory' }),
    /**
     * Worker processes sharing the listening socket: a number, or `auto` for one per CPU
     * (resolved at start). More than one needs the Redis store. Default 1 (no primary process).
     */
    workers: z.union([z.number().int().min(1).max(MAX_WORKERS), z.literal('auto')]).default(1),
    state: z
      .strictObject({ file: filePath.nullable().default('./helpgate-state.json') })
      .prefault({}),
    servicePoints: z.array(glob).default([]),
    profiles: z
      .strictObject({
        idFrom: z
          .union([
            z.strictObject({ cookie: z.string().min(1) }),
            z.strictObject({ header: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/) }),
          ])
          .nullable()
          .default(null),
      })
      .prefault({}),
    triggers: z.array(trigger).default([]),
    gate: z
      .strictObject({
        mode: z.enum(['available', 'within', 'always']).default('within'),
        /**
         * The share of visitors served within the wait they are promised (and the gate compares
         * with maxWait): the promised wait is this quantile of the wait. Default 0.9.
         */
        confidence: z.number().min(0.5).max(0.999).default(0.9),
        maxWait: durationOrLearned.default('learned'),
        learned: learned.prefault({}),
      })
      .prefault({}),
    offers: z
      .strictObject({
        enabled: z.boolean().default(true),
        delivery: z.enum(['inline', 'next-page']).default('inline'),
        expireAfter: durationOrLearned.default('learned'),
        learnedExpiry: learnedExpiry.prefault({}),
        maxPerSession: z.number().int().min(0).default(3),
        cooldownAfterDismiss: duration.default(600_000),
        /** A folder served under `{prefix}media/`; null: the demo media shipped with helpgate. */
        mediaDir: filePath.nullable().default(null),
        content: z
          .strictObject({
            button: z.strictObject({ label: z.string().min(1).default('Need help?') }).prefault({}),
            screen: z
              .strictObject({
                title: z.string().min(1).default('Can we help?'),
                text: z.string().default('An agent is ready to help you with this page.'),
              })
              .prefault({}),
            audio: z
              .strictObject({
                src: media.default('/__helpgate/media/help.ogg'),
                transcript: z.string().default('Need a hand? Press Help to talk to us.'),
              })
              .prefault({}),
            video: z
              .strictObject({
                src: media.default('/__helpgate/media/help.webm'),
                captions: media.nullable().default('/__helpgate/media/help.vtt'),
                poster: media.nullable().default('/__helpgate/media/help.jpg'),
              })
              .prefault({}),
            labels: z
              .strictObject({
                talk: z.string().min(1).default('Talk to an agent'),
                noThanks: z.string().min(1).default('No thanks'),
              })
              .prefault({}),
          })
          .prefault({}),
        appearance: z
          .strictObject({
            position: z
              .enum(['bottom-right', 'bottom-left', 'top-right', 'top-left'])
              .default('bottom-right'),
            accent: colour.default('#1d4ed8'),
            zIndex: z.number().int().min(-2147483648).max(2147483647).default(2147483000),
          })
          .prefault({}),
      })
      .prefault({}),
    conversations: z
      .strictObject({
        maxMessageChars: z.number().int().min(1).max(10_000).default(2000),
        keepMessages: z.number().int().min(10).max(10_000).default(500),
        keepFor: boundedDuration(60_000, 30 * 86_400_000, 'between 1m and 30 days').default(
          86_400_000,
        ),
      })
      .prefault({}),
    agents: z
      .strictObject({
        defaultCapacity: z.number().int().min(1).max(100).default(2),
        averageHandleTime: duration.default(180_000),
        list: z.array(agent).default([]),
        /** Replies an agent inserts in the console by typing `/` (default: none). */
        cannedReplies: z.array(cannedReply).max(50).default([]),
      })
      .prefault({}),
    admin: z.strictObject({ token: z.string().min(16).nullable().default(null) }).prefault({}),
    metrics: z.strictObject({ token: z.string().min(16).nullable().default(null) }).prefault({}),
    log: z
      .strictObject({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info'),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    // Each worker is a process of its own: only the Redis store shares sessions, agents and the
    // queue between them. `auto` may be one CPU, so it is a warning (configWarnings) instead.
    if (config.workers !== 'auto' && config.workers > 1 && config.store.kind !== 'redis') {
      ctx.addIssue({
        code: 'custom',
        path: ['workers'],
        message: `${config.workers} worker processes need store.kind redis: only the Redis store shares sessions, agents and the queue between processes`,
        params: { hgCode: 'HG_ERR_CONFIG_INVALID' },
      });
    }
    const seen = new Set<string>();
    config.agents.list.forEach((a, index) => {
      if (seen.has(a.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['agents', 'list', index, 'id'],
          message: `duplicate agent id "${a.id}"`,
          params: { hgCode: 'HG_ERR_CONFIG_INVALID' },
        });
      }
      seen.add(a.id);
    });
    // Typing `/key` in the console must name one reply.
    const keys = new Set<string>();
    config.agents.cannedReplies.forEach((reply, index) => {
      if (keys.has(reply.key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['agents', 'cannedReplies', index, 'key'],
          message: `duplicate canned reply key "${reply.key}"`,
          params: { hgCode: 'HG_ERR_CONFIG_INVALID' },
        });
      }
      keys.add(reply.key);
    });
    const names = new Set<string>();
    config.triggers.forEach((t, index) => {
      if (names.has(t.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['triggers', index, 'name'],
          message: `duplicate trigger name "${t.name}"`,
          params: { hgCode: 'HG_ERR_CONFIG_INVALID' },
        });
      }
      names.add(t.name);
    });
  });

/** The config as written in YAML (before defaults and unit conversion). */
export type ConfigInput = z.input<typeof configSchema>;

/** The resolved config: every default filled in, durations in ms, sizes in bytes, paths absolute. */
export type Config = z.output<typeof configSchema>;

export type TriggerConfig = Config['triggers'][number];
export type OfferKind = z.output<typeof offerKind>;
export type AgentConfig = Config['agents']['list'][number];
