// Serves the agents and capacity APIs the way the router mounts them, over a real socket.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { createAgentsApi } from '../../src/api/agents-api.js';
import { createCapacityApi, type LearnedThresholds } from '../../src/api/capacity-api.js';
import { type Capacity, createCapacity } from '../../src/capacity/capacity.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { testConfig } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

export const ADMIN = 'admin-token-0123456789abcdef';
export const ALICE = 'alice-token-0123456789abcdef';
export const BOB = 'bob-token-0123456789abcdefgh';

export interface CapacityTestApi {
  url: string;
  capacity: Capacity;
  clock: TestClock;
  /** A request with `token` as Bearer (none when empty). */
  call(method: string, path: string, token: string, init?: RequestInit): Promise<Response>;
}

export async function startCapacityApi(
  t: Test,
  options: { figures?: LearnedThresholds; config?: Partial<ConfigInput> } = {},
): Promise<CapacityTestApi> {
  const config = testConfig({
    admin: { token: ADMIN },
    agents: {
      defaultCapacity: 2,
      averageHandleTime: '3m',
      list: [
        { id: 'alice', name: 'Alice', token: ALICE, capacity: 3 },
        { id: 'bob', token: BOB },
      ],
    },
    ...options.config,
  });
  const clock = new TestClock();
  const capacity = createCapacity({
    config,
    averageHandleTime: () => config.agents.averageHandleTime,
    onHandleTime: () => {},
  });
  const figures =
    options.figures ?? (() => ({ maxWaitMs: 30_000, expireAfterMs: 120_000, samples: 0 }));
  const agents = createAgentsApi({ config, capacity, clock });
  const capacityApi = createCapacityApi({ config, capacity, clock, figures });

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.slice(config.prefix.length);
    const method = req.method ?? '';
    if (path === 'api/capacity' && method === 'GET') return void capacityApi(req, res);
    if (path === 'api/agents' && method === 'GET') return void agents.list(req, res);
    if (path.startsWith('api/agents/') && (method === 'GET' || method === 'PUT')) {
      const id = decodeURIComponent(path.slice('api/agents/'.length));
      return void agents.byId[method](req, res, id);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${config.prefix}`;
  return {
    url,
    capacity,
    clock,
    call(method, path, token, init = {}) {
      const headers = new Headers(init.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...init, method, headers });
    },
  };
}

/** A JSON PUT body. */
export function json(body: unknown): RequestInit {
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}
