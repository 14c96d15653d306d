/**
 * A minute's bucket of the statistics in Redis read back into the shape the summary reads
 * (`Bucket`): the hash's fields as `HGETALL` lists them, and the minute's conversation ids.
 */
import {
  type Bucket,
  COUNTS,
  type CountName,
  DURATIONS,
  type DurationName,
  GAUGES,
  type GaugeName,
  newBucket,
  newTriggerCounts,
  type TriggerCounts,
} from '../console/stats/create-stats.js';
import { HISTOGRAM_BINS } from '../console/stats/histogram.js';

/** A bucket read back from its hash and its list of ids. */
export function bucketOf(minute: number, flat: readonly string[], ids: readonly string[]): Bucket {
  const bucket = newBucket(minute);
  if (ids.length > 0) bucket.conversationIds = [...ids];
  const number = (value: string) => (value === '' ? Number.NaN : Number(value));
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    const value = flat[i + 1]!;
    if (field === 'samples') bucket.samples = Number(value);
    const kind = field.slice(0, 2);
    const rest = field.slice(2);
    if (kind === 'c.') {
      const index = COUNTS.indexOf(rest as CountName);
      if (index >= 0) bucket.counts[index] = Number(value);
    } else if (kind === 'd.') {
      const dot = rest.lastIndexOf('.');
      const index = DURATIONS.indexOf(rest.slice(0, dot) as DurationName);
      const bin = Number(rest.slice(dot + 1));
      if (index >= 0 && bin >= 0 && bin < HISTOGRAM_BINS) {
        bucket.durations[index * HISTOGRAM_BINS + bin] = Number(value);
      }
    } else if (kind === 'g.' || kind === 'G.') {
      const index = GAUGES.indexOf(rest as GaugeName);
      if (index >= 0) (kind === 'g.' ? bucket.last : bucket.max)[index] = number(value);
    } else if (kind === 't.') {
      const dot = rest.lastIndexOf('.');
      triggerOf(bucket, rest.slice(0, dot), rest.slice(dot + 1), Number(value));
    } else if (kind === 'p.') {
      const dot = rest.lastIndexOf('.');
      bucket.pages ??= new Map();
      const path = rest.slice(0, dot);
      const counts = bucket.pages.get(path) ?? { offered: 0, accepted: 0 };
      counts[rest.slice(dot + 1) === 'o' ? 'offered' : 'accepted'] += Number(value);
      bucket.pages.set(path, counts);
    }
  }
  return bucket;
}

function triggerOf(bucket: Bucket, name: string, field: string, value: number): void {
  bucket.triggers ??= new Map();
  let counts = bucket.triggers.get(name);
  if (counts === undefined) {
    counts = newTriggerCounts();
    bucket.triggers.set(name, counts);
  }
  if (/^a\d+$/.test(field)) {
    const bin = Number(field.slice(1));
    if (bin < HISTOGRAM_BINS) counts.fireToAgent[bin] = value;
  } else if (field in counts && field !== 'fireToAgent') {
    counts[field as Exclude<keyof TriggerCounts, 'fireToAgent'>] = value;
  }
}
