import type { Heartbeat } from '../../src/session/heartbeat-body.js';
import { TestClock } from '../fixtures/test-clock.js';

export { TEST_SECRET as SECRET, testConfig } from '../fixtures/servers.js';

/** The shared test clock, started at a fixed instant. */
export function manualClock(): TestClock {
  return new TestClock();
}

export function hb(pv: string, path: string, seq: number, visible = true): Heartbeat {
  return { pv, path, seq, visible };
}
