/**
 * Path globs of the config (`exclude`, `servicePoints`, trigger `pages`): matched against the
 * URL pathname. `*` stays within one segment, `**` crosses segments; `/checkout/**` does not
 * match `/checkout` itself, so the contract's examples list both.
 */
import picomatch from 'picomatch';

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

/** A matcher for a list of globs: true when any matches the pathname. Empty list → never. */
export function compileGlobs(globs: readonly string[]): (pathname: string) => boolean {
  if (globs.length === 0) return () => false;
  const match = picomatch(globs as string[], OPTIONS);
  return (pathname) => match(pathname);
}
