/**
 * What each time chart shows: its title, the question it answers, and its series (left axis,
 * or the right one for a figure of another unit). Lines only: stacked areas hide who moved.
 */

export interface ChartSeries {
  name: string;
  label: string;
  color: string;
  /** `y2`: the right axis. */
  axis?: 'y2';
  dash?: number[];
}

export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  /** Left axis label. */
  y: string;
  y2?: string;
  series: ChartSeries[];
}

const C = {
  blue: '#1f5fbf',
  green: '#1b7f3b',
  orange: '#c35a00',
  red: '#b3261e',
  purple: '#6b3fa0',
  grey: '#5f6368',
  teal: '#00796b',
};

export const TIME_CHARTS: ChartSpec[] = [
  {
    id: 'offers',
    title: 'Offers per step',
    caption:
      'Offers shown, and how each one ended: accepted, dismissed, expired or withdrawn; the acceptance rate on the right.',
    y: 'offers',
    y2: 'acceptance rate',
    series: [
      { name: 'offersShown', label: 'shown', color: C.blue },
      { name: 'offersAccepted', label: 'accepted', color: C.green },
      { name: 'offersDismissed', label: 'dismissed', color: C.orange },
      { name: 'offersExpired', label: 'expired', color: C.grey },
      { name: 'offersWithdrawn', label: 'withdrawn', color: C.purple },
      { name: 'acceptanceRate', label: 'acceptance rate', color: C.teal, axis: 'y2', dash: [6, 4] },
    ],
  },
  {
    id: 'wait',
    title: 'Estimated wait and queue against maxWait',
    caption:
      'The estimated wait of a newcomer (last and highest each step) against the learned maxWait; the queue length on the right.',
    y: 'seconds',
    y2: 'visitors queued',
    series: [
      { name: 'estimatedWaitSeconds', label: 'estimated wait (s)', color: C.blue },
      {
        name: 'estimatedWaitMaxSeconds',
        label: 'highest estimated wait (s)',
        color: C.purple,
        dash: [2, 3],
      },
      { name: 'maxWaitSeconds', label: 'maxWait (s)', color: C.red, dash: [8, 4] },
      { name: 'queueLength', label: 'queue length', color: C.orange, axis: 'y2' },
    ],
  },
  {
    id: 'agents',
    title: 'Agents, free slots and conversations',
    caption: 'Agents by status, the free serving slots and the conversations held, as sampled.',
    y: 'count',
    series: [
      { name: 'agentsAvailable', label: 'available', color: C.green },
      { name: 'agentsBusy', label: 'busy', color: C.orange },
      { name: 'agentsAway', label: 'away', color: C.grey },
      { name: 'freeSlots', label: 'free slots', color: C.blue, dash: [6, 4] },
      { name: 'conversations', label: 'conversations', color: C.purple },
    ],
  },
  {
    id: 'missed',
    title: 'Missed for lack of capacity',
    caption:
      'Visitors whose trigger fired but who were never offered help because the gate stayed closed; on the right, how long offers that did go out were held.',
    y: 'visitors',
    y2: 'seconds held (median)',
    series: [
      { name: 'missedForCapacity', label: 'missed', color: C.red },
      {
        name: 'heldWaitMedianSeconds',
        label: 'held before going out (median s)',
        color: C.blue,
        axis: 'y2',
      },
    ],
  },
  {
    id: 'service',
    title: 'Service: first response, wait in queue, abandoned',
    caption:
      'Median first response and wait in queue; visitors who accepted and left before an agent came on the right.',
    y: 'seconds (median)',
    y2: 'visitors',
    series: [
      { name: 'firstResponseMedianSeconds', label: 'first response (s)', color: C.blue },
      { name: 'queueWaitMedianSeconds', label: 'wait in queue (s)', color: C.orange },
      { name: 'abandoned', label: 'abandoned', color: C.red, axis: 'y2' },
      {
        name: 'promisesBroken',
        label: 'promises broken',
        color: C.purple,
        axis: 'y2',
        dash: [6, 4],
      },
    ],
  },
];
