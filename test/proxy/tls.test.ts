import t, { type Test } from 'tap';
import { silentLogger } from '../../src/logger.js';
import { createForwarder } from '../../src/proxy/forwarder.js';
import {
  fetchText,
  startProxy,
  startUpstream,
  testConfig,
  tlsFixture,
} from '../fixtures/proxy-server.js';

async function tlsUpstream(t: Test) {
  const upstream = await startUpstream(
    (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, proto: req.headers['x-forwarded-proto'] }));
    },
    { tls: true },
  );
  t.teardown(upstream.close);
  return upstream;
}

t.test('an https upstream signed by upstreamCa is reached', async (t) => {
  const upstream = await tlsUpstream(t);
  const proxy = await startProxy(testConfig({ upstream: upstream.url, upstreamCa: tlsFixture.ca }));
  t.teardown(proxy.close);
  const res = await fetchText(`${proxy.url}/secure?x=1`);
  t.equal(res.status, 200);
  t.same(JSON.parse(res.body), { url: '/secure?x=1', proto: 'http' });
});

// Attack: a man in the middle presents a certificate the operator never trusted.
t.test('an https upstream with an untrusted certificate is refused with 502', async (t) => {
  const upstream = await tlsUpstream(t);
  const proxy = await startProxy(testConfig({ upstream: upstream.url }));
  t.teardown(proxy.close);
  const res = await fetchText(`${proxy.url}/`);
  t.equal(res.status, 502);
  const warning = proxy.logs.find((line) => line['level'] === 40);
  t.match(warning, { code: 'HG_ERR_UPSTREAM_UNREACHABLE', upstreamCode: /CERT|SIGNED|UNABLE/ });
});

t.test('visitors on an https listener are reported upstream as https', async (t) => {
  const upstream = await tlsUpstream(t);
  const proxy = await startProxy(
    testConfig({ upstream: upstream.url, upstreamCa: tlsFixture.ca }),
    {
      tls: true,
    },
  );
  t.teardown(proxy.close);
  const res = await fetchText(`${proxy.url}/`);
  t.same(JSON.parse(res.body), { url: '/', proto: 'https' });
});

t.test('a missing upstreamCa file is reported by name at start', async (t) => {
  t.throws(
    () =>
      createForwarder(
        testConfig({ upstream: 'https://127.0.0.1:1', upstreamCa: '/nonexistent/ca.pem' }),
        { logger: silentLogger() },
      ),
    { code: 'HG_ERR_CONFIG_FILE', message: /\/nonexistent\/ca\.pem/ },
  );
});
