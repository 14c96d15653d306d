/**
 * The `--traffic` file: recorded or hand-written journeys, one JSON object a line (JSONL).
 * Times are seconds from the start of the simulation (visits, agent changes) or from the page's
 * load (focus, errors). Blank lines and lines starting with `#` are skipped.
 *
 * ```jsonl
 * {"visitor":{"at":12,"pages":[{"path":"/checkout","stay":80,"focus":{"field":"card","from":10},"errors":{"at":40,"fields":["card"]}}],"answer":{"action":"accept","after":9}}}
 * {"agent":{"at":900,"id":"alice","status":"away"}}
 * ```
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AGENT_STATUSES } from '../capacity/capacity.js';
import type { AgentChange, Traffic, VisitorJourney } from './traffic.js';

/** A day: no simulated journey is longer. */
const MAX_SECONDS = 86_400;
const seconds = z.number().min(0).max(MAX_SECONDS);
const field = z.string().min(1).max(256);

const page = z.strictObject({
  path: z.string().startsWith('/', 'must start with "/"').max(2048),
  stay: seconds.refine((s) => s > 0, 'must be more than 0 seconds'),
  focus: z.strictObject({ field, from: seconds }).optional(),
  errors: z.strictObject({ at: seconds, fields: z.array(field).min(1).max(50) }).optional(),
});

const visitorLine = z.strictObject({
  visitor: z.strictObject({
    at: seconds,
    pages: z.array(page).min(1).max(1000),
    answer: z
      .strictObject({ action: z.enum(['accept', 'dismiss', 'ignore']), after: seconds })
      .optional(),
  }),
});

const agentLine = z.strictObject({
  agent: z.strictObject({
    at: seconds,
    id: z.string().min(1),
    status: z.enum(AGENT_STATUSES as [string, ...string[]]),
  }),
});

/** A traffic file that cannot be used: `file:line: what is wrong`. */
export class TrafficFileError extends Error {
  override name = 'TrafficFileError';
}

/** Reads and validates a traffic file; throws {@link TrafficFileError} naming the line. */
export function readTrafficFile(file: string): Traffic {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TrafficFileError(`${file}: cannot read it: ${(error as Error).message}`);
  }
  return parseTraffic(text, file);
}

/** Parses JSONL traffic; `name` is used in error messages. */
export function parseTraffic(text: string, name: string): Traffic {
  const visitors: VisitorJourney[] = [];
  const agents: AgentChange[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const where = `${name}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new TrafficFileError(`${where}: not JSON: ${(error as Error).message}`);
    }
    const kind =
      typeof value === 'object' && value !== null && 'agent' in value ? agentLine : visitorLine;
    const parsed = kind.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.join('.');
      throw new TrafficFileError(
        `${where}: ${path === '' ? '' : `${path}: `}${issue.message} (a line is {"visitor":{…}} or {"agent":{…}})`,
      );
    }
    if ('agent' in parsed.data) {
      const { at, id, status } = parsed.data.agent;
      agents.push({ atMs: at * 1000, agent: id, status: status as AgentChange['status'] });
      continue;
    }
    const { at, pages, answer } = parsed.data.visitor;
    visitors.push({
      atMs: at * 1000,
      pages: pages.map((p) => ({
        path: p.path,
        stayMs: p.stay * 1000,
        ...(p.focus && { focus: { field: p.focus.field, fromMs: p.focus.from * 1000 } }),
        ...(p.errors && { errors: { atMs: p.errors.at * 1000, fields: p.errors.fields } }),
      })),
      ...(answer && { answer: { action: answer.action, afterMs: answer.after * 1000 } }),
    });
  }
  // Stable: journeys with the same arrival keep their order in the file.
  visitors.sort((a, b) => a.atMs - b.atMs);
  agents.sort((a, b) => a.atMs - b.atMs);
  return { visitors, agents };
}
