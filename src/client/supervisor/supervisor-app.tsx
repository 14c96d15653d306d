/** The supervisor page: the range selector, the tiles, the charts and the tables. */
import { TIME_CHARTS } from './chart-specs.js';
import type { SupervisorStore } from './create-supervisor-store.js';
import { HistogramChart } from './histogram-chart.js';
import { RANGES, statsUrl } from './shape-series.js';
import { PageTable, ServiceTable, StatusTimeline, TriggerTable } from './tables.js';
import { LiveTiles, WindowTiles } from './tiles.js';
import { TimeChart } from './time-chart.js';

export function SupervisorApp(props: { store: SupervisorStore }) {
  const { store } = props;
  const report = store.report.value;
  const range = store.range.value;
  return (
    <>
      <header>
        <h1>Supervisor</h1>
        <a href={`${store.prefix}console`}>Console</a>
        <fieldset class="range">
          <legend class="visually-hidden">Range</legend>
          {RANGES.map((choice) => (
            <button
              type="button"
              key={choice.since}
              aria-pressed={choice.since === range.since}
              onClick={() => store.setRange(choice)}
            >
              {choice.label}
            </button>
          ))}
        </fieldset>
        {/* The time of each poll is not announced (it changes every ten seconds); a failure is. */}
        <p class="updated">
          {store.updatedAt.value
            ? `Updated ${store.updatedAt.value.toLocaleTimeString([], { hour12: false })}; every figure says how many events it rests on.`
            : 'Loading the figures…'}
        </p>
        <p role="status" class="failure">
          {store.failure.value}
        </p>
        <p>
          <a href={statsUrl(store.prefix, range, { csv: true })} download>
            All series of the last {range.label} as CSV
          </a>
        </p>
      </header>
      {report && (
        <>
          <LiveTiles report={report} />
          <WindowTiles report={report} range={range} />
          <section aria-labelledby="h-charts">
            <h2 id="h-charts">Charts</h2>
            <div class="charts">
              {TIME_CHARTS.map((spec) => (
                <TimeChart
                  key={spec.id}
                  spec={spec}
                  report={report}
                  prefix={store.prefix}
                  range={range}
                />
              ))}
              <HistogramChart report={report} prefix={store.prefix} range={range} />
            </div>
          </section>
          <TriggerTable report={report} />
          <ServiceTable report={report} />
          <PageTable report={report} />
          <StatusTimeline report={report} />
        </>
      )}
    </>
  );
}
