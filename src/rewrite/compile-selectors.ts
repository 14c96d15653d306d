/**
 * Compiles the config's strip selectors into a matcher that decides, from an element and the
 * stack of its open ancestors alone, whether the element matches — which is all a streaming
 * rewriter knows when the start tag goes past. Type, universal, #id, .class and attribute
 * selectors (=, ~=, ^=, $=, *=, |=, the `i`/`s` flags, existence), compound selectors, the
 * descendant and child combinators, selector lists and :not()/:is()/:where() of these stream;
 * anything else (sibling combinators, :has(), :nth-*, …) is rejected when the config loads.
 */
import { parse, type Selector } from 'css-what';
import { asciiLowercase } from '../util/ascii.js';
import { NS_HTML, type OpenElement } from './open-elements.js';
import { type AttributeNeedles, internalize } from './tokenizer.js';

/** Decides whether an element about to be opened matches any strip selector. */
export interface StripMatcher {
  /** Lowercased attribute names the selectors read; the tree builder keeps only these. */
  readonly attributeNames: readonly string[];
  /**
   * Whether `el`, whose ancestors are `stack[0..depth)`, matches; `quirks`: the page is in
   * quirks mode, where `.class` and `#id` compare ASCII-caselessly.
   */
  matches(el: OpenElement, stack: readonly OpenElement[], depth: number, quirks: boolean): boolean;
  /**
   * When every selector is one compound of type and attribute selectors (no combinator, no
   * pseudo-class), what an element's attribute values must hold for it to match (see
   * {@link AttributeNeedles}). Lets the tree builder skip reading the values of most elements;
   * null when a selector needs more (an ancestor, a :not()).
   */
  readonly needles: AttributeNeedles | null;
}

/** Whether `el`, whose ancestors are `stack[0..depth)`, matches, on a page in quirks mode or not. */
type Test = (
  el: OpenElement,
  stack: readonly OpenElement[],
  depth: number,
  quirks: boolean,
) => boolean;

/**
 * One complex selector with what its rightmost compound needs of an element: the tag name
 * and an attribute it must have. Most elements of a page fail these before any test runs.
 */
interface Candidate {
  name: string | null;
  /** Index in `attributeNames` of an attribute the element must have, or -1. */
  attr: number;
  test: Test;
}

const STREAMABLE_PSEUDOS = new Set(['not', 'is', 'where', 'matches', 'any']);

/**
 * Attributes whose values HTML matches case-insensitively in selectors (HTML §4.16.2, "case-
 * sensitivity of selectors").
 */
const CASELESS_VALUES = new Set(
  (
    'accept accept-charset align alink axis bgcolor charset checked clear codetype color compact ' +
    'declare defer dir direction disabled enctype face frame hreflang http-equiv lang language ' +
    'link media method multiple nohref noresize noshade nowrap readonly rel rev rules scope ' +
    'scrolling selected shape target text type valign valuetype vlink'
  ).split(' '),
);

/** Why a selector cannot be used for stripping, or `undefined` when it can. */
export function unstreamableReason(selector: string): string | undefined {
  let parsed: Selector[][];
  try {
    parsed = parse(selector);
  } catch (error) {
    return `${JSON.stringify(selector)} does not parse: ${(error as Error).message}`;
  }
  const problem = checkParsed(parsed);
  return problem === undefined ? undefined : `${JSON.stringify(selector)} ${problem}`;
}

/**
 * Tag and attribute names are compared as the page's bytes, and a name beyond ASCII would be
 * spelled differently in each charset; no site's help widget needs one.
 */
const NON_ASCII_NAME =
  'names an element or attribute with characters beyond ASCII, which helpgate does not match; select it by an ASCII attribute, #id or .class';

function isAscii(s: string): boolean {
  return !/[^\x00-\x7f]/.test(s);
}

function checkParsed(parsed: Selector[][]): string | undefined {
  for (const complex of parsed) {
    for (const token of complex) {
      switch (token.type) {
        case 'adjacent':
        case 'sibling':
          return 'uses a sibling combinator ("+" or "~"), which cannot be decided while the page streams; select the element by its own id, class or attributes';
        case 'parent':
        case 'column-combinator':
          return `uses the "${token.type}" combinator, which cannot be decided while the page streams; use " " or ">"`;
        case 'pseudo-element':
          return `uses a pseudo-element (::${token.name}), which selects no element`;
        case 'pseudo': {
          if (!STREAMABLE_PSEUDOS.has(token.name) || !Array.isArray(token.data)) {
            return `uses :${token.name}, which cannot be decided while the page streams; use type, #id, .class, [attribute] selectors, :not()/:is()/:where() and " " or ">" combinators`;
          }
          const inner = checkParsed(token.data);
          if (inner !== undefined) return inner;
          break;
        }
        case 'attribute':
          if (token.action === 'not') {
            return 'uses [attr!=value], which is not standard CSS; use :not([attr=value])';
          }
          if (token.namespace !== null && token.namespace !== '*') {
            return 'uses a namespace prefix, which HTML pages do not declare';
          }
          if (!isAscii(token.name)) return NON_ASCII_NAME;
          break;
        case 'tag':
        case 'universal':
          if (token.type === 'tag' && !isAscii(token.name)) return NON_ASCII_NAME;
          if (token.namespace !== null && token.namespace !== '*') {
            return 'uses a namespace prefix, which HTML pages do not declare';
          }
          break;
      }
    }
  }
  return undefined;
}

/** Compiles validated strip selectors; throws on a selector {@link unstreamableReason} rejects. */
export function compileSelectors(selectors: readonly string[]): StripMatcher {
  const attributeNames: string[] = [];
  const indexOfAttr = (name: string) => {
    let i = attributeNames.indexOf(name);
    if (i < 0) i = attributeNames.push(name) - 1;
    return i;
  };
  const candidates: Candidate[] = [];
  let needles: string[][] | null = [];
  for (const selector of selectors) {
    const problem = unstreamableReason(selector);
    if (problem !== undefined) throw new Error(problem);
    for (const complex of parse(selector)) {
      const candidate = compileCandidate(complex, indexOfAttr);
      candidates.push(candidate);
      if (needles === null) continue;
      const needle = needleOf(complex);
      if (needle === null) needles = null;
      else if (candidate.attr >= 0) {
        needles[candidate.attr] ??= [];
        needles[candidate.attr]!.push(needle);
      }
    }
  }
  // An attribute no selector requires first (say, the second of `a[href][title]`) is read
  // only once the first is there: it makes no element worth a look by itself.
  const lists = needles === null ? null : attributeNames.map((_, i) => needles![i] ?? []);
  // Most elements have none of the attributes the selectors read: only the candidates that
  // need no attribute can match them.
  const bare = candidates.filter((c) => c.attr < 0);
  const check = (
    list: readonly Candidate[],
    el: OpenElement,
    stack: readonly OpenElement[],
    depth: number,
    quirks: boolean,
  ) => {
    const attrs = el.attrs;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (c.name !== null && c.name !== el.name) continue;
      if (c.attr >= 0 && (attrs === null || attrs[c.attr] === null)) continue;
      if (c.test(el, stack, depth, quirks)) return true;
    }
    return false;
  };
  const matches: Test = (el, stack, depth, quirks) =>
    el.attrs === null
      ? bare.length > 0 && check(bare, el, stack, depth, quirks)
      : check(candidates, el, stack, depth, quirks);
  return {
    attributeNames,
    matches,
    needles:
      lists === null
        ? null
        : {
            lists,
            shortest: Int32Array.from(lists, (list) =>
              list.length === 0 ? -1 : Math.min(...list.map((n) => n.length)),
            ),
          },
  };
}

/**
 * For a selector that is one compound of type and attribute selectors: what the value of the
 * attribute its candidate requires (the last one, as {@link compileCandidate} picks it) must
 * contain, `''` when it has none (see {@link StripMatcher.needles}). Null when the selector
 * is anything else, or the string is not ASCII.
 */
function needleOf(complex: Selector[]): string | null {
  let needle = '';
  let found = false;
  for (let i = complex.length - 1; i >= 0; i--) {
    const token = complex[i]!;
    if (token.type === 'tag' || token.type === 'universal') continue;
    if (token.type !== 'attribute') return null;
    if (found) continue;
    found = true;
    // Every operator but existence needs the value to contain the string it names.
    if (token.action !== 'exists') needle = asciiLowercase(token.value);
  }
  for (let i = 0; i < needle.length; i++) if (needle.charCodeAt(i) >= 0x80) return null;
  return needle;
}

function compileCandidate(complex: Selector[], attr: (name: string) => number): Candidate {
  let name: string | null = null;
  let need = -1;
  // The rightmost compound: the tokens after the last combinator.
  for (let i = complex.length - 1; i >= 0; i--) {
    const token = complex[i]!;
    if (token.type === 'descendant' || token.type === 'child') break;
    // Every attribute selector, whatever its operator, fails on an element without the attribute.
    if (token.type === 'tag') name = internalize(asciiLowercase(token.name));
    else if (token.type === 'attribute' && need < 0) need = attr(asciiLowercase(token.name));
  }
  return { name, attr: need, test: compileComplex(complex, attr) };
}

function compileList(list: Selector[][], attr: (name: string) => number): Test {
  const tests = list.map((complex) => compileComplex(complex, attr));
  if (tests.length === 1) return tests[0]!;
  return (el, stack, depth, quirks) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(el, stack, depth, quirks)) return true;
    return false;
  };
}

/** A complex selector: compounds joined by descendant or child combinators, matched right to left. */
function compileComplex(complex: Selector[], attr: (name: string) => number): Test {
  const compounds: Test[][] = [[]];
  const combinators: ('descendant' | 'child')[] = [];
  for (const token of complex) {
    if (token.type === 'descendant' || token.type === 'child') {
      combinators.push(token.type);
      compounds.push([]);
    } else {
      compounds[compounds.length - 1]!.push(compileSimple(token, attr));
    }
  }
  const parts = compounds.map(joinCompound);
  const matchAt = (
    k: number,
    el: OpenElement,
    stack: readonly OpenElement[],
    depth: number,
    quirks: boolean,
  ): boolean => {
    if (!parts[k]!(el, stack, depth, quirks)) return false;
    for (let j = k - 1; j >= 0; j--) {
      const combinator = combinators[j]!;
      const part = parts[j]!;
      if (combinator === 'child') {
        if (depth === 0) return false;
        depth--;
        if (!part(stack[depth]!, stack, depth, quirks)) return false;
        continue;
      }
      // Descendant: the nearest matching ancestor first, backtracking further up if needed.
      for (let d = depth - 1; d >= 0; d--) {
        if (part(stack[d]!, stack, d, quirks) && matchAt(j, stack[d]!, stack, d, quirks)) {
          return true;
        }
      }
      return false;
    }
    return true;
  };
  const last = parts.length - 1;
  return (el, stack, depth, quirks) => matchAt(last, el, stack, depth, quirks);
}

function joinCompound(tests: Test[]): Test {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (el, stack, depth, quirks) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(el, stack, depth, quirks)) return false;
    return true;
  };
}

function compileSimple(token: Selector, attr: (name: string) => number): Test {
  switch (token.type) {
    case 'tag': {
      const name = internalize(asciiLowercase(token.name));
      return (el) => el.name === name;
    }
    case 'universal':
      return () => true;
    case 'attribute':
      return compileAttribute(token, attr);
    case 'pseudo': {
      const inner = compileList(token.data as Selector[][], attr);
      return token.name === 'not' ? (el, s, d, q) => !inner(el, s, d, q) : inner;
    }
    default:
      throw new Error(`unsupported selector part: ${token.type}`);
  }
}

function compileAttribute(
  token: Extract<Selector, { type: 'attribute' }>,
  attr: (name: string) => number,
): Test {
  const name = asciiLowercase(token.name);
  const index = attr(name);
  const caseless =
    token.ignoreCase === true || (token.ignoreCase === null && CASELESS_VALUES.has(name));
  // `.x` and `#x` (not `[class~=x]`) compare ASCII-caselessly in quirks mode (Selectors 4
  // §6.6 and §6.7), on every element of the page.
  const quirky = token.ignoreCase === 'quirks';
  // Selectors compare case-insensitive values ASCII-caselessly: "K" (the Kelvin sign) is not "k".
  const lower = asciiLowercase(token.value);
  const exact = caseless ? lower : token.value;
  const want = (quirks: boolean) => (quirky && quirks ? lower : exact);
  const read = (el: OpenElement, quirks: boolean): string | null => {
    const v = el.attrs?.[index] ?? null;
    if (v === null) return null;
    if (quirky) return quirks ? asciiLowercase(v) : v;
    // HTML's caseless attribute list applies to HTML elements only.
    return caseless && (token.ignoreCase === true || el.ns === NS_HTML) ? asciiLowercase(v) : v;
  };
  switch (token.action) {
    case 'exists':
      return (el, _s, _d, quirks) => read(el, quirks) !== null;
    case 'equals':
      return (el, _s, _d, quirks) => read(el, quirks) === want(quirks);
    case 'element':
      if (lower === '' || /[\t\n\f\r ]/.test(lower)) return () => false;
      return (el, _s, _d, quirks) => {
        const v = read(el, quirks);
        return v !== null && includesWord(v, want(quirks));
      };
    case 'start':
      return lower === ''
        ? () => false
        : (el, _s, _d, quirks) => read(el, quirks)?.startsWith(want(quirks)) === true;
    case 'end':
      return lower === ''
        ? () => false
        : (el, _s, _d, quirks) => read(el, quirks)?.endsWith(want(quirks)) === true;
    case 'any':
      return lower === ''
        ? () => false
        : (el, _s, _d, quirks) => read(el, quirks)?.includes(want(quirks)) === true;
    case 'hyphen':
      return (el, _s, _d, quirks) => {
        const v = read(el, quirks);
        const w = want(quirks);
        return v !== null && (v === w || v.startsWith(`${w}-`));
      };
    default:
      throw new Error(`unsupported attribute selector: ${token.action}`);
  }
}

/** Whether `word` is one of the whitespace-separated words of `list` (as `~=` compares). */
function includesWord(list: string, word: string): boolean {
  for (let i = list.indexOf(word); i >= 0; i = list.indexOf(word, i + 1)) {
    const end = i + word.length;
    if (
      (i === 0 || isSpace(list.charCodeAt(i - 1))) &&
      (end === list.length || isSpace(list.charCodeAt(end)))
    ) {
      return true;
    }
  }
  return false;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}
