// What a worker takes from its primary: its slot and the group's restart-only settings.
import t from 'tap';
import { restartOnlyChanges } from '../../src/cli/restart-only-changes.js';
import {
  readWorkerEnvironment,
  withPinnedSettings,
  workerEnvironment,
} from '../../src/cli/worker-environment.js';
import { parseConfigText } from '../../src/config/load-config.js';

const BASE = 'upstream: http://127.0.0.1:3000\nsecret: 0123456789abcdef0123\nworkers: 2\n';
const load = (text: string) => parseConfigText(text, 'helpgate.yaml', { env: {} }).config;

// Split group: a replacement that read a store or port changed in the file since the group
// started would serve from another store, or listen elsewhere, than its siblings.
t.test(
  'split group: a replacement keeps the group’s listen and store, takes the rest of the file',
  async (t) => {
    const group = load(
      `${BASE}listen: { port: 8080 }\nstore: { kind: redis, url: "redis://10.0.0.5:6379" }\n`,
    );
    const edited = load(
      `${BASE}listen: { port: 9090 }\nstore: { kind: redis, url: "redis://10.0.0.6:6379" }\n` +
        'heartbeat: { interval: 10s }\n',
    );
    const { slot, pinned } = readWorkerEnvironment(workerEnvironment(1, group));
    t.equal(slot, 1);
    const config = withPinnedSettings(edited, pinned);
    t.equal(config.listen.port, 8080);
    t.same(config.store, group.store);
    t.equal(config.heartbeat.interval, 10_000, 'a reloadable key comes from the file');
    t.same(restartOnlyChanges(config, edited), ['listen.port', 'store'], 'named in a warning');
  },
);

t.test('a worker started without its primary’s variable says so', async (t) => {
  t.throws(() => readWorkerEnvironment({}), /HELPGATE_WORKER is not set/);
});
