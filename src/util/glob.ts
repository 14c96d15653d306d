/**
 * Path globs of the config (`exclude`, `servicePoints`, trigger `pages`): matched against the
 * URL pathname as normalise-path.ts reads it. `*` stays within one segment, `**` crosses
 * segments; `/checkout/**` does not match `/checkout` itself, so the contract's examples list
 * both.
 */
import picomatch from 'picomatch';
import { type PathOptions, pathReadings } from './normalise-path.js';

const OPTIONS: picomatch.PicomatchOptions = { dot: true, strictBrackets: true, nonegate: false };

/** Why a glob cannot be used, or `undefined` when it is fine. */
export function checkGlob(glob: string): string | undefined {
  if (!glob.startsWith('/') && !glob.startsWith('!/')) {
    return `must start with "/" (a URL path such as /checkout/**), got ${JSON.stringify(glob)}`;
  }
  if (/[\s?#]/.test(glob.replace(/\?/g, ''))) return 'must not contain spaces or "#"';
  let depth = 0;
  for (const ch of glob) {
    if (ch === '{') depth++;
    else if (ch === '}' && --depth < 0) break;
  }
  if (depth !== 0) return `unbalanced braces in ${JSON.stringify(glob)}`;
  try {
    picomatch.makeRe(glob, OPTIONS);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/**
 * A matcher for a list of globs: true when any matches the pathname as given (pass the
 * canonical one, see `canonicalPath`); with `caseInsensitive`, ignoring case. Empty list →
 * never.
 */
export function compileGlobs(
  globs: readonly string[],
  options: PathOptions = { caseInsensitive: false },
): (pathname: string) => boolean {
  if (globs.length === 0) return () => false;
  const match = picomatch(globs as string[], { ...OPTIONS, nocase: options.caseInsensitive });
  return (pathname) => match(pathname);
}

/**
 * The `exclude` matcher: true when ANY reading of the path (see `pathReadings`) matches, so
 * no spelling of an excluded page (`/pay%6dent`, `//payment`, `/x/../payment`, …) is tracked.
 */
export function compileExclude(
  globs: readonly string[],
  options: PathOptions,
): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const match = compileGlobs(globs, options);
  return (path) => pathReadings(path, options).some(match);
}
