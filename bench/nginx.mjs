// The nginx baseline: Debian's nginx with one worker and default buffers, bound to 127.0.0.1 on
// a free port, run in the foreground from its own temporary prefix and config. /page goes
// through `sub_filter` injecting the script before `</head>`; everything else is plain
// `proxy_pass`.
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startChild } from './children.mjs';
import { BEACON_TAG } from './fixtures.mjs';

/**
 * The nginx binary to use, or null when there is none: `BENCH_NGINX` (`none` skips nginx), else
 * the first on the PATH or in the usual sbin folders.
 */
export function findNginx() {
  const chosen = process.env.BENCH_NGINX;
  if (chosen === 'none') return null;
  const candidates = chosen
    ? [chosen]
    : [
        ...(process.env.PATH ?? '').split(delimiter),
        '/usr/sbin',
        '/usr/local/sbin',
        '/usr/local/nginx/sbin',
      ]
        .filter(Boolean)
        .map((folder) => join(folder, 'nginx'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

/** Starts nginx in front of `upstreamUrl`. */
export async function startNginx(binary, upstreamUrl) {
  const prefix = mkdtempSync(join(tmpdir(), 'helpgate-bench-nginx-'));
  // Run as root, nginx's worker switches to an unprivileged user that must reach its temp paths.
  chmodSync(prefix, 0o755);
  const port = await freePort();
  const upstream = new URL(upstreamUrl);
  const quote = (text) => `'${text.replace(/'/g, "\\'")}'`;
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'client-body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  # Connections to the upstream are kept alive, as helpgate's are (undici's pool).
  upstream site { server ${upstream.host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location / { proxy_pass http://site; }
    location = /page {
      proxy_pass http://site;
      proxy_set_header Accept-Encoding "";
      sub_filter '</head>' ${quote(`${BEACON_TAG}</head>`)};
    }
  }
}
`,
  );
  return startChild(
    'nginx',
    binary,
    ['-p', `${prefix}/`, '-c', conf, '-e', join(prefix, 'error.log'), '-g', 'daemon off;'],
    {
      ready: `http://127.0.0.1:${port}`,
      cleanup: () => rmSync(prefix, { recursive: true, force: true }),
    },
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
