/**
 * Seeded synthetic visitors for a config: arrivals spread evenly at random over the simulated
 * hours, one to four pages each drawn from the paths the config's triggers and service points
 * name, stays of 20 s to 10 min in all, and on some pages a focused field or form errors, so
 * every kind of trigger has visitors who can fire it.
 */
import type { Config } from '../config/schema.js';
import { type Random, seededRandom } from '../util/seeded-random.js';
import type { PageVisit, Traffic, VisitorJourney } from './traffic.js';

/** Share of pages where the visitor works in a form field. */
const FOCUS_SHARE = 0.3;
/** Share of pages where the visitor's form shows errors. */
const ERRORS_SHARE = 0.15;

export function syntheticTraffic(
  config: Config,
  options: { visitors: number; hours: number; seed: number },
): Traffic {
  const random = seededRandom(options.seed);
  const paths = pathsOf(config);
  const spanS = Math.round(options.hours * 3600);
  const visitors: VisitorJourney[] = [];
  for (let i = 0; i < options.visitors; i++) {
    const atMs = Math.floor(random() * spanS) * 1000;
    const totalS = 20 + Math.floor(random() * 580);
    const count = 1 + Math.floor(random() * 4);
    const pages: PageVisit[] = [];
    for (let p = 0; p < count; p++) {
      const stayMs = Math.max(5, Math.round(totalS / count)) * 1000;
      pages.push(pageVisit(pick(random, paths), stayMs, random));
    }
    visitors.push({ atMs, pages });
  }
  visitors.sort((a, b) => a.atMs - b.atMs);
  return { visitors, agents: [] };
}

function pageVisit(path: string, stayMs: number, random: Random): PageVisit {
  const page: PageVisit = { path, stayMs };
  if (random() < FOCUS_SHARE) {
    page.focus = { field: 'email', fromMs: Math.floor(random() * stayMs * 0.5) };
  }
  if (random() < ERRORS_SHARE) {
    const fields = ['email', 'card-number', 'postcode'].slice(0, 1 + Math.floor(random() * 3));
    page.errors = { atMs: Math.floor(random() * stayMs * 0.8), fields };
  }
  return page;
}

const pick = <T>(random: Random, list: readonly T[]): T =>
  list[Math.floor(random() * list.length)] as T;

/** A concrete path for each glob the config names (triggers' pages, service points), and `/`. */
function pathsOf(config: Config): string[] {
  const globs = [
    ...config.triggers.flatMap((trigger) => trigger.pages ?? []),
    ...config.servicePoints,
  ];
  const paths = new Set(['/']);
  for (const glob of globs) {
    if (glob.startsWith('!')) continue;
    paths.add(concretePath(glob));
  }
  return [...paths];
}

/** `/products/*` → `/products/item`, `/a/**` → `/a/item/page`, `{x,y}` → `x`. */
function concretePath(glob: string): string {
  return glob
    .replace(/\{([^,}]*)[^}]*\}/g, '$1')
    .replace(/\*\*/g, 'item/page')
    .replace(/\*/g, 'item')
    .replace(/\?/g, 'x')
    .replace(/\[[^\]]*\]/g, 'x');
}
