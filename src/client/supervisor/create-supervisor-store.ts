/**
 * The supervisor page's state: the range chosen, the latest `api/stats` report and whether
 * the last read worked. Polled every ten seconds (the statistics move by the minute); a range
 * change reads at once. Components read the signals' `.value`.
 */
import { signal } from '@preact/signals';
import type { StatsReport } from '../../console/stats/stats-report.js';
import { RANGES, type Range, statsUrl } from './shape-series.js';

/** How often the figures are read again. */
export const POLL_MS = 10_000;

export function createSupervisorStore(prefix: string) {
  const range = signal<Range>(RANGES[0]);
  const report = signal<StatsReport | null>(null);
  const failure = signal<string | null>(null);
  const updatedAt = signal<Date | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reading = 0;

  async function load(): Promise<void> {
    const mine = ++reading;
    clearTimeout(timer);
    try {
      const res = await fetch(statsUrl(prefix, range.value), {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (mine !== reading) return;
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as {
          error?: { message?: string };
        } | null;
        failure.value = `The figures could not be read (${res.status}${body?.error?.message ? `: ${body.error.message}` : ''}).`;
      } else {
        report.value = (await res.json()) as StatsReport;
        failure.value = null;
        updatedAt.value = new Date();
      }
    } catch {
      if (mine === reading)
        failure.value = 'The figures could not be read: helpgate did not answer.';
    } finally {
      if (mine === reading) timer = setTimeout(() => void load(), POLL_MS);
    }
  }

  return {
    prefix,
    range,
    report,
    failure,
    updatedAt,
    load,
    setRange(next: Range) {
      if (next.since === range.value.since) return;
      range.value = next;
      void load();
    },
  };
}

export type SupervisorStore = ReturnType<typeof createSupervisorStore>;
