// CPU time of a process under test, from /proc: the req/s of a row depend on how the shared
// cores were split between load generator, upstream and proxy at that moment, while the CPU
// time the proxy spends per request does much less so.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks of USER_HZ, which is 100 on every architecture. */
const TICKS_PER_SECOND = 100;

function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after it are fixed.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * Seconds of CPU (user + system) used so far by process `pid` and its direct children (nginx's
 * worker, for one), or null where /proc cannot be read.
 */
export function processCpuSeconds(pid) {
  const own = statFields(pid);
  if (own === null) return null;
  // After the name: state (0), ppid (1), …, utime (11), stime (12).
  let ticks = Number(own[11]) + Number(own[12]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || entry === String(pid)) continue;
    const fields = statFields(entry);
    if (fields !== null && fields[1] === String(pid))
      ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** Seconds of CPU used so far by process `pid` alone (not its children), or null. */
export function ownCpuSeconds(pid) {
  const own = statFields(pid);
  return own === null ? null : (Number(own[11]) + Number(own[12])) / TICKS_PER_SECOND;
}
