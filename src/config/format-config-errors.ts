/** Renders a {@link ConfigError} for an operator's terminal, one block per problem. */
import type { ConfigError, ConfigProblem } from './load-config.js';

const EXAMPLE_PREFIX = '    e.g. ';

/**
 * `<file>:<line>:<col>  <keyPath>: <message> [<code>]`, then an indented `e.g.` line with a
 * valid example where the example config has one.
 */
export function formatConfigErrors(error: ConfigError): string {
  return error.problems.map(formatProblem).join('\n');
}

function formatProblem(problem: ConfigProblem): string {
  const where =
    problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column}`;
  const key = problem.keyPath === '' ? '' : `${problem.keyPath}: `;
  const head = `${where}  ${key}${problem.message} [${problem.code}]`;
  if (problem.example === undefined) return head;
  const indent = ' '.repeat(EXAMPLE_PREFIX.length);
  return `${head}\n${EXAMPLE_PREFIX}${problem.example.split('\n').join(`\n${indent}`)}`;
}
