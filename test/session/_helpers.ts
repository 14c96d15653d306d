// Shared by the session and api tests: a resolved config, a clock the test moves by hand.
import { type Config, type ConfigInput, configSchema } from '../../src/config/schema.js';
import type { Heartbeat } from '../../src/session/heartbeat-body.js';
import { TestClock } from '../fixtures/test-clock.js';

export const SECRET = 'test-secret-0123456789abcdef';

export function testConfig(overrides: Partial<ConfigInput> = {}): Config {
  return configSchema.parse({ upstream: 'http://127.0.0.1:9', secret: [SECRET], ...overrides });
}

/** The shared test clock, started at a fixed instant. */
export function manualClock(): TestClock {
  return new TestClock();
}

export function hb(pv: string, path: string, seq: number, visible = true): Heartbeat {
  return { pv, path, seq, visible };
}
