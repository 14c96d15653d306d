import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDemoShop } from './create-demo-shop.js';

/** A listening demo shop. */
export interface RunningDemoShop {
  readonly server: Server;
  /** Base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

/** Starts the demo shop on `host:port` (port 0 picks a free one). */
export async function startDemoShop(port = 0, host = '127.0.0.1'): Promise<RunningDemoShop> {
  const server = createDemoShop();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${hostInUrl}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
