/**
 * The tiles: what is happening now (the latest capacity sample) and what the range adds up
 * to, each number with the count of events (or samples) it rests on.
 */
import type { StatsReport } from '../../console/stats/stats-report.js';
import { eventsText, formatFigure, formatSeconds, type Range } from './shape-series.js';

interface Tile {
  id: string;
  label: string;
  value: string;
  basis: string;
}

function Tiles(props: { id: string; title: string; tiles: Tile[]; note?: string }) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.note && <p class="note">{props.note}</p>}
      <dl class="tiles">
        {props.tiles.map((tile) => (
          <div class="tile" key={tile.id} data-figure={tile.id}>
            <dt>{tile.label}</dt>
            <dd>
              <span class="value">{tile.value}</span>
              <span class="basis">{tile.basis}</span>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function LiveTiles(props: { report: StatsReport }) {
  const live = props.report.live;
  if (!live) return null;
  const at = new Date(live.at).toLocaleTimeString([], { hour12: false });
  const agents = live.agents.available + live.agents.busy + live.agents.away;
  const visitors = (n: number) => eventsText(n, 'visitor');
  return (
    <Tiles
      id="h-now"
      title="Now"
      note={`As sampled at ${at}.`}
      tiles={[
        {
          id: 'waiting',
          label: 'Waiting',
          value: String(live.waiting),
          basis: visitors(live.waiting),
        },
        {
          id: 'unattended',
          label: 'Unattended (no agent reply yet)',
          value: String(live.unattended),
          basis: `of ${eventsText(live.active, 'conversation')}`,
        },
        {
          id: 'active',
          label: 'Active conversations',
          value: String(live.active),
          basis: eventsText(live.active, 'conversation'),
        },
        {
          id: 'agents',
          label: 'Agents available / busy / away',
          value: `${live.agents.available} / ${live.agents.busy} / ${live.agents.away}`,
          basis: eventsText(agents, 'agent'),
        },
        {
          id: 'free-slots',
          label: 'Free slots',
          value: String(live.freeSlots),
          basis: 'serving slots not held',
        },
        {
          id: 'estimated-wait',
          label: 'Estimated wait',
          value:
            live.estimatedWaitSeconds === null
              ? 'no agent'
              : formatSeconds(live.estimatedWaitSeconds),
          basis: `maxWait ${formatSeconds(live.maxWaitSeconds)}`,
        },
      ]}
    />
  );
}

/** Window figures shown as tiles, in order. */
const WINDOW_TILES: [string, string][] = [
  ['offersShown', 'Offers shown'],
  ['offersAccepted', 'Accepted'],
  ['offersDismissed', 'Dismissed'],
  ['offersExpired', 'Expired'],
  ['offersWithdrawn', 'Withdrawn'],
  ['acceptanceRate', 'Acceptance rate'],
  ['missedForCapacity', 'Missed for lack of capacity'],
  ['queued', 'Queued'],
  ['promisesKept', 'Promises kept'],
  ['promisesBroken', 'Promises broken'],
  ['abandoned', 'Abandoned'],
];

export function WindowTiles(props: { report: StatsReport; range: Range }) {
  const { report } = props;
  return (
    <Tiles
      id="h-range"
      title={`Last ${props.range.label}`}
      tiles={WINDOW_TILES.map(([name, label]) => {
        const total = report.totals[name];
        const kind = report.series[name]?.kind ?? 'count';
        return {
          id: name,
          label,
          value: formatFigure(kind, total?.value ?? null),
          basis: eventsText(total?.events ?? 0),
        };
      })}
    />
  );
}
