// The bench's Markdown report: the rows, the issue-3 targets computed from them, the memory soak.

const fixed = (value, digits = 0) => (value == null ? 'n/a' : value.toFixed(digits));
const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
const times = (value) => (value === null ? 'n/a' : `${value.toFixed(2)}×`);
const verdict = (value, ok) => (value === null ? 'n/a' : ok(value) ? 'yes' : '**no**');

/**
 * One line per row: req/s, p50, p99, MB/s, and req/s relative to the row's `direct` and `nginx`
 * baselines (keys of other rows), from `results` (a Map from row key to result).
 */
export function resultsTable(rows, results) {
  const lines = [
    '| response | through | req/s | p50 ms | p99 ms | MB/s | server CPU ms/req | × upstream direct | × nginx | failed |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const r = results.get(row.key);
    if (r.problem) {
      lines.push(`| ${row.response} | ${row.via} | | | | | | | | **wrong output: ${r.problem}** |`);
      continue;
    }
    const against = (key) => (key ? times(ratio(r.rps, results.get(key)?.rps)) : '');
    lines.push(
      `| ${row.response} | ${row.via} | ${fixed(r.rps)} | ${fixed(r.p50)} | ${fixed(r.p99)} | ` +
        `${fixed(r.mbps, 1)} | ${fixed(r.cpuMs, 3)} | ${against(row.direct)} | ${against(row.nginx)} | ${r.failures} |`,
    );
  }
  return lines.join('\n');
}

/** The targets of issue 3, each computed from rows of this run. */
export function targetsTable(results, { step, memory, connections }) {
  const of = (key, field) => {
    const r = results.get(key);
    return r && !r.problem ? r[field] : null;
  };
  const targets = [
    {
      what: 'repeated page ÷ helpgate passthrough, req/s',
      value: ratio(of('helpgate-page', 'rps'), of('passthrough-page', 'rps')),
      goal: '≥ 0.9×',
      ok: (x) => x >= 0.9,
    },
    {
      what: 'repeated page ÷ nginx `sub_filter`, req/s',
      value: ratio(of('helpgate-page', 'rps'), of('nginx-page', 'rps')),
      goal: '≥ 0.45×',
      ok: (x) => x >= 0.45,
    },
    {
      what: 'different pages ÷ lol-html reference proxy, req/s',
      value: ratio(of('helpgate-unique', 'rps'), of('lolhtml-unique', 'rps')),
      goal: '≥ 5×',
      ok: (x) => x >= 5,
    },
    {
      what: `p99 repeated page ÷ p99 nginx \`sub_filter\`, ${connections} connections`,
      value: ratio(of('helpgate-page', 'p99'), of('nginx-page', 'p99')),
      goal: '≤ 3×',
      ok: (x) => x <= 3,
    },
    {
      what: 'JSON 1 KB ÷ nginx `proxy_pass`, req/s',
      value: ratio(of('helpgate-json', 'rps'), of('nginx-json', 'rps')),
      goal: '≥ 0.4×',
      ok: (x) => x >= 0.4,
    },
    {
      what: 'binary 1 MB ÷ nginx `proxy_pass`, req/s',
      value: ratio(of('helpgate-blob', 'rps'), of('nginx-blob', 'rps')),
      goal: '≥ 0.4×',
      ok: (x) => x >= 0.4,
    },
  ];
  const lines = ['| target (issue 3) | measured | goal | met |', '|---|---:|---:|:---:|'];
  for (const t of targets) {
    lines.push(`| ${t.what} | ${times(t.value)} | ${t.goal} | ${verdict(t.value, t.ok)} |`);
  }
  // Not a target: the same comparison in CPU time per page, which the sharing of the cores
  // between load generator, upstream and proxy disturbs much less than req/s.
  const cpuRatio = ratio(of('lolhtml-unique', 'cpuMs'), of('helpgate-unique', 'cpuMs'));
  lines.push(
    `| (for reading) lol-html proxy's CPU per different page ÷ helpgate's | ${times(cpuRatio)} | | |`,
  );
  const bareRatio = ratio(of('lolhtml-unique', 'cpuMs'), of('bare-unique', 'cpuMs'));
  lines.push(
    `| (for reading) the same, helpgate's rewriter in the bare proxy | ${times(bareRatio)} | | |`,
  );
  // Nor this: the req/s ratio within each round, whose two rows ran seconds apart. On a
  // machine whose speed changes, it shows how far the ratio of the medians moved with it.
  const ours = of('helpgate-unique', 'rpsByRound');
  const theirs = of('lolhtml-unique', 'rpsByRound');
  if (ours && theirs && ours.length > 1) {
    const rounds = ours.map((rps, i) => times(ratio(rps, theirs[i])));
    lines.push(
      `| (for reading) different pages ÷ lol-html, round by round | ${rounds.join(', ')} | | |`,
    );
  }
  lines.push(
    `| p99 (max) on different pages, ${connections} connections | ` +
      `${fixed(of('helpgate-unique', 'p99'))} ms (${fixed(of('helpgate-unique', 'max'))} ms) | ` +
      'bounded | by reading |',
  );
  const rewriter = step?.[0];
  if (rewriter) {
    const mbps = rewriter.problem ? null : rewriter.mbps;
    lines.push(
      `| rewrite step alone, MB/s | ${fixed(mbps)} | ≥ 150 | ${rewriter.problem ? '**wrong output**' : verdict(mbps, (x) => x >= 150)} |`,
    );
  }
  if (memory) {
    const growth = (memory.end - memory.start) / memory.start;
    lines.push(
      `| helpgate RSS after warm-up → end of a ${memory.seconds} s run | ` +
        `${fixed(memory.start)} → ${fixed(memory.end)} MB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)} %) | ` +
        `flat (≤ +10 %) | ${verdict(growth, (x) => x <= 0.1)} |`,
    );
  }
  return lines.join('\n');
}

/** One sentence on the memory soak. */
export function memoryLine(memory) {
  return (
    `Memory: a fresh rewriting helpgate, ${memory.seconds} s of the same page, different pages ` +
    `and JSON in turn (${fixed(memory.result.rps)} req/s, ${memory.result.failures} failed). ` +
    `RSS ${fixed(memory.idle)} MB idle; ${fixed(memory.start)} MB after a warm-up that fills ` +
    `the rewrite cache; then every ${fixed(memory.seconds / memory.samples.length)} s: ` +
    `${memory.samples.map((mb) => fixed(mb)).join(' → ')} MB; ${fixed(memory.peak)} MB at most.`
  );
}
