/**
 * The figures that read better as tables: per trigger, the pages where help is offered and
 * accepted most, the service figures, and the agents' status changes. Every string a visitor
 * or the config supplied (paths, trigger names) goes in as text.
 */
import type { StatsReport } from '../../console/stats/stats-report.js';
import { eventsText, formatFigure, formatSeconds } from './shape-series.js';

export function TriggerTable(props: { report: StatsReport }) {
  const { triggers } = props.report;
  return (
    <section aria-labelledby="h-triggers">
      <h2 id="h-triggers">Per trigger</h2>
      {triggers.length === 0 ? (
        <p>No trigger fired in this range.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Trigger</th>
                <th scope="col">Fired</th>
                <th scope="col">Offered</th>
                <th scope="col">Accepted</th>
                <th scope="col">Missed for lack of capacity</th>
                <th scope="col">Median firing → agent</th>
              </tr>
            </thead>
            <tbody>
              {triggers.map((trigger) => (
                <tr key={trigger.name}>
                  <th scope="row">{trigger.name}</th>
                  <td>{trigger.fired}</td>
                  <td>{trigger.offered}</td>
                  <td>{trigger.accepted}</td>
                  <td>{trigger.missed}</td>
                  <td>
                    {formatSeconds(trigger.fireToAgentMedianSeconds)}{' '}
                    <span class="basis">({eventsText(trigger.reachedAgent, 'visitor')})</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function PageTable(props: { report: StatsReport }) {
  const { pages } = props.report;
  return (
    <section aria-labelledby="h-pages">
      <h2 id="h-pages">Pages where help is offered and accepted most</h2>
      {pages.length === 0 ? (
        <p>No offer was shown in this range.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Page</th>
                <th scope="col">Offered</th>
                <th scope="col">Accepted</th>
              </tr>
            </thead>
            <tbody>
              {pages.map((page) => (
                <tr key={page.path}>
                  <th scope="row" class="path">
                    {page.path}
                  </th>
                  <td>{page.offered}</td>
                  <td>{page.accepted}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const SERVICE: [string, string][] = [
  ['firstResponseMedianSeconds', 'First response (agent assigned → first reply), median'],
  ['queueWaitMedianSeconds', 'Wait in queue (accepted → agent), median'],
  ['fireToAgentMedianSeconds', 'Trigger fired → agent, median'],
  ['conversationLengthMedianSeconds', 'Conversation length (agent → end), median'],
  ['abandoned', 'Abandoned (accepted, left before an agent came)'],
  ['abandonedWaitMedianSeconds', 'Time in queue of the abandoned, median'],
  ['heldWaitMedianSeconds', 'Offers held before going out, median'],
  ['promisesKeptRate', 'Promised waits kept'],
];

export function ServiceTable(props: { report: StatsReport }) {
  const { report } = props;
  return (
    <section aria-labelledby="h-service">
      <h2 id="h-service">Service</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Figure</th>
              <th scope="col">Value</th>
              <th scope="col">Rests on</th>
            </tr>
          </thead>
          <tbody>
            {SERVICE.map(([name, label]) => {
              const total = report.totals[name];
              return (
                <tr key={name} data-figure={name}>
                  <th scope="row">{label}</th>
                  <td>
                    {formatFigure(report.series[name]?.kind ?? 'count', total?.value ?? null)}
                  </td>
                  <td>{eventsText(total?.events ?? 0)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function StatusTimeline(props: { report: StatsReport }) {
  const changes = props.report.statusChanges;
  return (
    <section aria-labelledby="h-status">
      <h2 id="h-status">Agents' status changes</h2>
      {changes.length === 0 ? (
        <p>No agent changed status in this range.</p>
      ) : (
        <ol class="timeline">
          {[...changes].reverse().map((change) => (
            <li key={`${change.at}-${change.agent}`}>
              <time dateTime={new Date(change.at).toISOString()}>
                {new Date(change.at).toLocaleTimeString([], { hour12: false })}
              </time>{' '}
              <span class="agent">{change.name}</span>{' '}
              <span class={`status status-${change.status}`}>{change.status}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
