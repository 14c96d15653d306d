/**
 * `${NAME}` / `${NAME:-default}` substitution in the config's string scalars. `$${` stands for
 * a literal `${`. As in the shell, `:-` also applies when the variable is set but empty.
 */

/** The result of substituting one scalar. */
export interface Interpolation {
  readonly text: string;
  /** Variables referenced without a default and not set. */
  readonly unset: readonly string[];
  /** `${…}` bodies that are not a variable reference. */
  readonly malformed: readonly string[];
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const NAME_AND_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const WHOLE_REFERENCE = /^\$\{[^}]*\}$/;

/** Substitutes every reference in `text` from `env`. */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv): Interpolation {
  const unset: string[] = [];
  const malformed: string[] = [];
  const result = text.replace(REFERENCE, (whole, body: string | undefined) => {
    if (body === undefined) return '${';
    const match = NAME_AND_DEFAULT.exec(body);
    if (!match) {
      malformed.push(whole);
      return whole;
    }
    const [, name = '', fallback] = match;
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) unset.push(name);
    return value ?? '';
  });
  return { text: result, unset, malformed };
}

/** True when `text` is exactly one `${…}` reference (then its value is read as YAML again). */
export function isWholeReference(text: string): boolean {
  return WHOLE_REFERENCE.test(text);
}
