// Load generation: autocannon, run inside the bench process.
import autocannon from 'autocannon';

/**
 * Sends requests to `base` for `seconds` over `connections` keep-alive connections and returns
 * requests/s, latency percentiles (ms) and what went wrong. `path` is a fixed path, or a function
 * called for every request (e.g. to ask for a different page each time). With `amount`, it
 * sends that many requests instead of running for `seconds`.
 */
export function load({ base, path, seconds, connections, amount }) {
  const fixed = typeof path === 'string';
  const options = {
    url: fixed ? `${base}${path}` : base,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    ...(fixed ? {} : { requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }] }),
  };
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => {
      if (error) return reject(error);
      resolve({
        rps: result.requests.total / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
        mbps: result.throughput.total / result.duration / 1e6,
        requests: result.requests.total,
        failures: result.errors + result.timeouts + result.non2xx,
      });
    });
  });
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A positive number from the environment variable `name` (a bench setting), or `fallback`. */
export function setting(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
