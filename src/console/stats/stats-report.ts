/**
 * The JSON `api/stats` answers (docs/supervisor.md): plain types with no imports, so the
 * supervisor page's script reads the same definitions the server writes.
 */

export type AgentStatusName = 'available' | 'busy' | 'away';

/** How a series is worked out: summed events, a ratio, a sampled figure, or a median. */
export type SeriesKind = 'count' | 'rate' | 'gauge' | 'median';

export interface Series {
  kind: SeriesKind;
  /** One per step; `null` where nothing was measured (a gap, never 0). */
  values: (number | null)[];
  /** The events (or capacity samples) each value rests on. */
  events: number[];
}

export interface Figure {
  value: number | null;
  events: number;
}

export interface HistogramReport {
  /** Upper edges of the bins in seconds; the last (`null`) is open. */
  edgesSeconds: (number | null)[];
  counts: number[];
  events: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface TriggerReport {
  name: string;
  fired: number;
  offered: number;
  accepted: number;
  missed: number;
  fireToAgentMedianSeconds: number | null;
  /** Visitors of this trigger who reached an agent (the median's events). */
  reachedAgent: number;
}

export interface PageReport {
  path: string;
  offered: number;
  accepted: number;
}

/** The live tiles: the latest capacity sample. */
export interface LiveFigures {
  at: number;
  waiting: number;
  unattended: number;
  active: number;
  agents: Record<AgentStatusName, number>;
  freeSlots: number;
  estimatedWaitSeconds: number | null;
  maxWaitSeconds: number;
  expireAfterSeconds: number;
}

export interface StatusChange {
  at: number;
  agent: string;
  name: string;
  status: AgentStatusName;
}

export interface StatsReport<Name extends string = string, Duration extends string = string> {
  from: string;
  to: string;
  stepSeconds: number;
  bucketSeconds: number;
  bucketsKept: number;
  /** Start of each step, Unix seconds. */
  time: number[];
  series: Record<Name, Series>;
  totals: Record<Name, Figure>;
  histograms: Record<Duration, HistogramReport>;
  triggers: TriggerReport[];
  pages: PageReport[];
  live: LiveFigures | null;
  statusChanges: StatusChange[];
  /**
   * Conversations accepted in the window, the latest {@link MAX_CONVERSATION_IDS} (at most 20 a
   * minute), oldest first: each is `GET {prefix}api/conversations/{id}` while helpgate keeps it.
   */
  conversationIds: string[];
}

/** Conversation ids a report names at most. */
export const MAX_CONVERSATION_IDS = 50;
