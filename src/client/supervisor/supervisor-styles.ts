/** The page's own styles, adopted after uPlot's (a strict policy allows adopted sheets). */
export const SUPERVISOR_CSS = `
:root { color-scheme: light; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; background: #f6f7f9; }
body { margin: 0; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; }
h1 { font-size: 1.5rem; margin: 0; }
h2 { font-size: 1.15rem; margin: 24px 0 8px; }
h3 { font-size: 1rem; margin: 0; }
.range { display: inline-flex; border: 1px solid #8a8f98; border-radius: 6px; overflow: hidden; padding: 0; margin: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.range button { font: inherit; padding: 4px 12px; border: 0; background: #fff; color: inherit; cursor: pointer; }
.range button + button { border-left: 1px solid #8a8f98; }
.range button[aria-pressed="true"] { background: #1f5fbf; color: #fff; }
:focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
.updated, .note { color: #4a4f57; margin: 0; }
.failure { color: #b3261e; margin: 0; font-weight: 600; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin: 0; }
.tile { background: #fff; border: 1px solid #d9dce1; border-radius: 8px; padding: 8px 12px; }
.tile dt { color: #4a4f57; font-size: 0.85rem; }
.tile dd { margin: 0; display: flex; flex-direction: column; }
.tile .value { font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.basis { color: #5f6368; font-size: 0.8rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 12px; }
.chart { background: #fff; border: 1px solid #d9dce1; border-radius: 8px; padding: 12px; margin: 0; min-width: 0; }
.chart figcaption p { margin: 2px 0 8px; color: #4a4f57; font-size: 0.85rem; }
.plot { width: 100%; min-height: 220px; }
.chart-links { font-size: 0.85rem; margin: 6px 0; }
details { font-size: 0.85rem; }
/* A wide table scrolls inside itself, never the page sideways (a 360 px screen). */
.table-scroll { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e3e5e8; }
thead th { font-size: 0.85rem; color: #4a4f57; }
.path { font-family: ui-monospace, monospace; font-weight: normal; word-break: break-all; }
.timeline { padding-left: 20px; max-height: 240px; overflow: auto; }
.status-available { color: #1b7f3b; } .status-busy { color: #c35a00; } .status-away { color: #5f6368; }
a { color: #1f5fbf; }
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; scroll-behavior: auto !important; } }
@media (max-width: 640px) { .charts { grid-template-columns: 1fr; } main { padding: 12px; } }
`;
