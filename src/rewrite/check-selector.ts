/**
 * Validates strip selectors for the config: a selector must parse and must be decidable while
 * the page streams past (no sibling combinators, :has(), :nth-*, and so on).
 */
import { parse } from 'css-what';

const STREAMABLE_PSEUDOS = new Set(['not', 'is', 'where']);

/** Why a selector cannot be used for stripping, or `undefined` when it can. */
export function checkSelector(selector: string): string | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(selector);
  } catch (error) {
    return `${JSON.stringify(selector)} does not parse: ${(error as Error).message}`;
  }
  for (const compound of parsed) {
    for (const token of compound) {
      if (token.type === 'adjacent' || token.type === 'sibling') {
        return `${JSON.stringify(selector)} uses a sibling combinator ("+" or "~"), which cannot be decided while the page streams; select the element by its own id, class or attributes`;
      }
      if (token.type === 'pseudo' && !STREAMABLE_PSEUDOS.has(token.name)) {
        return `${JSON.stringify(selector)} uses :${token.name}, which cannot be decided while the page streams; use type, #id, .class, [attribute] selectors and " " or ">" combinators`;
      }
      if (token.type === 'pseudo-element') {
        return `${JSON.stringify(selector)} uses a pseudo-element (::${token.name}), which selects no element`;
      }
    }
  }
  return undefined;
}
