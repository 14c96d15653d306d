import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadBeaconAsset, loadChatAsset } from '../../src/api/beacon-asset.js';
import { packageRoot } from '../../src/util/package-root.js';

const ROOT = packageRoot();
const SOURCE = join(ROOT, 'src', 'client');

t.test('a built bundle is served as built', async (t) => {
  const root = t.testdir({ 'package.json': '{}', dist: { client: { 'beacon.js': '/*built*/' } } });
  const asset = loadBeaconAsset(root);
  t.equal(asset.body.toString(), '/*built*/');
  t.match(asset.hash, /^[0-9a-f]{12}$/);
});

t.test('a missing or outdated bundle is built from the source', async (t) => {
  const root = t.testdir({ 'package.json': '{}', src: {} });
  cpSync(SOURCE, join(root, 'src', 'client'), { recursive: true });
  // chat.js bundles the conversation's fold from the server's own source.
  cpSync(join(ROOT, 'src', 'conversations'), join(root, 'src', 'conversations'), {
    recursive: true,
  });
  const fresh = loadBeaconAsset(root);
  t.match(fresh.body.toString(), /sendBeacon/, 'bundled without a dist folder');
  const chat = loadChatAsset(root);
  t.match(chat.body.toString(), /EventSource/, 'chat.js too');
  t.match(fresh.body.toString(), `"${chat.hash}"`, 'the beacon carries the chat bundle hash');

  mkdirSync(join(root, 'dist', 'client'), { recursive: true });
  writeFileSync(join(root, 'dist', 'client', 'beacon.js'), '/*old*/');
  utimesSync(join(root, 'dist', 'client', 'beacon.js'), new Date(0), new Date(0));
  t.equal(loadBeaconAsset(root).hash, fresh.hash, 'an older bundle than the source is ignored');
});

t.test('with neither bundle nor source, starting fails with a clear error', async (t) => {
  const root = t.testdir({ 'package.json': '{}' });
  t.throws(() => loadBeaconAsset(root), { code: 'HG_ERR_START', message: /npm run build/ });
});

t.test(
  'beacon.js stays within its budget: at most 6 KB gzipped (every page loads it)',
  async (t) => {
    const root = t.testdir({ 'package.json': '{}', src: {} });
    cpSync(SOURCE, join(root, 'src', 'client'), { recursive: true });
    cpSync(join(ROOT, 'src', 'conversations'), join(root, 'src', 'conversations'), {
      recursive: true,
    });
    const { body, gzip } = loadBeaconAsset(root);
    t.comment(`beacon.js: ${body.length} bytes, ${gzip.length} gzipped`);
    t.ok(gzip.length <= 6 * 1024, `${gzip.length} bytes gzipped ≤ 6144`);
  },
);
