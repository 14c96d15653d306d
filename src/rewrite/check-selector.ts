/**
 * Validates strip selectors for the config: a selector must parse and must be decidable while
 * the page streams past (no sibling combinators, :has(), :nth-*, and so on). The rules live
 * beside the selector compiler so that what the config accepts is exactly what it can compile.
 */
import { unstreamableReason } from './compile-selectors.js';

/** Why a selector cannot be used for stripping, or `undefined` when it can. */
export function checkSelector(selector: string): string | undefined {
  return unstreamableReason(selector);
}
