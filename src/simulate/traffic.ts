/**
 * The traffic a simulation replays: visitor journeys (arrival, pages with their times and
 * signals, optionally how the visitor answers an offer) and agent status changes. Synthetic
 * traffic and `--traffic` files both come down to this. Times are milliseconds from the start.
 */
import type { AgentStatus } from '../capacity/capacity.js';

/** One page of a visitor's journey. */
export interface PageVisit {
  path: string;
  /** How long the visitor stays on the page. */
  stayMs: number;
  /** A form field the visitor focuses `fromMs` after the page loads and keeps focused. */
  focus?: { field: string; fromMs: number };
  /** Fields that show validation errors from `atMs` after the page loads. */
  errors?: { atMs: number; fields: string[] };
}

/** How a visitor answers an offer; without it the simulation's answer model decides. */
export interface ScriptedAnswer {
  action: 'accept' | 'dismiss' | 'ignore';
  /** How long after the offer is shown. */
  afterMs: number;
}

export interface VisitorJourney {
  /** When the first page is served. */
  atMs: number;
  pages: PageVisit[];
  answer?: ScriptedAnswer;
}

export interface AgentChange {
  atMs: number;
  agent: string;
  status: AgentStatus;
}

export interface Traffic {
  /** In arrival order. */
  visitors: VisitorJourney[];
  /** In time order. */
  agents: AgentChange[];
}
