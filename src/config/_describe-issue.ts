/**
 * Translates zod's issues into problems an operator can act on: the catalogue code, the key
 * path and a plain-language message ("expected a number, got the string \"abc\"").
 */
import type { z } from 'zod';
import { ERRORS, type ErrorCode } from '../errors.js';
import type { KeyPath } from './_read-yaml.js';

type Issue = z.core.$ZodIssue;

/** Which text a problem points at: the key itself, its value, or (missing key) the mapping. */
export type Anchor = 'key' | 'value' | 'parent';

export interface IssueProblem {
  readonly code: ErrorCode;
  readonly path: KeyPath;
  readonly anchor: Anchor;
  readonly message: string;
}

/** One zod issue → one problem or more (one per unknown key). */
export function describeIssue(issue: Issue, base: KeyPath = []): IssueProblem[] {
  const path = [...base, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  const problem = (code: ErrorCode, message: string): IssueProblem[] => [
    { code, path, anchor: 'value', message },
  ];
  const got = () => describeValue(issue.input, path);

  if (
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
    issue.input === undefined
  ) {
    return [
      { code: 'HG_ERR_CONFIG_MISSING', path, anchor: 'parent', message: 'required key is missing' },
    ];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        code: 'HG_ERR_CONFIG_UNKNOWN_KEY',
        path: [...path, key],
        anchor: 'key',
        message: `unknown key "${key}"`,
      }));
    case 'invalid_type':
      return problem('HG_ERR_CONFIG_TYPE', `expected ${noun(issue.expected)}, got ${got()}`);
    case 'invalid_union':
      return describeUnion(issue, path, got);
    case 'invalid_value':
      return problem('HG_ERR_CONFIG_INVALID', `must be ${oneOf(issue.values)}, got ${got()}`);
    case 'too_small':
    case 'too_big':
      return problem('HG_ERR_CONFIG_INVALID', describeBound(issue));
    case 'invalid_format':
      return problem(
        'HG_ERR_CONFIG_INVALID',
        issue.message.startsWith('Invalid')
          ? `has the wrong form: ${got()}`
          : `must be ${issue.message}`,
      );
    case 'custom': {
      const code = issue.params?.['hgCode'];
      return problem(
        typeof code === 'string' && code in ERRORS ? (code as ErrorCode) : 'HG_ERR_CONFIG_INVALID',
        issue.message,
      );
    }
    default:
      return problem('HG_ERR_CONFIG_INVALID', issue.message);
  }
}

function describeUnion(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  path: KeyPath,
  got: () => string,
): IssueProblem[] {
  if (issue.errors.length === 0) {
    const options = 'options' in issue ? (issue.options ?? []) : [];
    const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator ?? ''];
    return [
      {
        code: 'HG_ERR_CONFIG_INVALID',
        path,
        anchor: 'value',
        message: `must be ${oneOf(options)}, got ${describeValue(value, path)}`,
      },
    ];
  }
  // A branch whose only complaint is the value's type or literal did not recognise the
  // value at all; a branch with any other complaint did, and its complaint is the useful one.
  const recognised = issue.errors.find(
    (branch) =>
      !(branch.length === 1 && branch[0]?.path.length === 0 && isShapeMismatch(branch[0])),
  );
  if (recognised) return recognised.flatMap((inner) => describeIssue(inner, path));
  const expected = issue.errors.map((branch) => {
    const first = branch[0];
    return first?.code === 'invalid_value'
      ? oneOf(first.values)
      : noun(first?.code === 'invalid_type' ? first.expected : '');
  });
  return [
    {
      code: 'HG_ERR_CONFIG_TYPE',
      path,
      anchor: 'value',
      message: `expected ${expected.join(' or ')}, got ${got()}`,
    },
  ];
}

function isShapeMismatch(issue: Issue | undefined): boolean {
  return issue?.code === 'invalid_type' || issue?.code === 'invalid_value';
}

function describeBound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const word = small
    ? issue.inclusive
      ? 'at least'
      : 'more than'
    : issue.inclusive
      ? 'at most'
      : 'less than';
  if (issue.origin === 'string' && small && limit === 1) return 'must not be empty';
  if (issue.origin === 'string') return `must be ${word} ${limit} characters long`;
  if (issue.origin === 'array') return `must list ${word} ${limit} item${limit === 1 ? '' : 's'}`;
  return `must be ${word} ${limit}, got ${describeValue(issue.input, [])}`;
}

const NOUNS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys',
  record: 'a mapping of keys',
  null: 'null',
};

function noun(expected: string): string {
  return NOUNS[expected] ?? expected;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length > 1 ? `one of ${shown.join(', ')}` : (shown[0] ?? 'something else');
}

/** Keys whose values must not be echoed, even when they are wrong. */
const SECRET_KEYS = new Set(['secret', 'token', 'url']);

function describeValue(value: unknown, path: KeyPath): string {
  const secret = path.some((part) => typeof part === 'string' && SECRET_KEYS.has(part));
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    if (secret) return 'a string';
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  }
  if (typeof value === 'number') return secret ? 'a number' : `the number ${value}`;
  return String(value);
}
