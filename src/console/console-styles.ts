/**
 * The console's one style sheet, inlined in the page and allowed by its hash in the page's
 * Content-Security-Policy (no `'unsafe-inline'`). Sized for a laptop screen shared with the
 * site: usable from 700 px wide, two columns from 900 px.
 */
export const CONSOLE_CSS = `
:root{color-scheme:light;--accent:#1d4ed8;--line:#d4d4d8;--muted:#52525b;--soft:#f4f4f5;--warn:#b45309}
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#18181b;background:#fff}
button,input,select,textarea{font:inherit}
button{cursor:pointer;border:1px solid var(--line);background:#fff;border-radius:6px;padding:4px 10px}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.login{max-width:360px;margin:12vh auto;padding:24px;border:1px solid var(--line);border-radius:10px}
.login h1{font-size:20px;margin:0 0 12px}
.login label{display:block;margin:8px 0 4px}
.login input{width:100%;padding:6px 8px;border:1px solid var(--line);border-radius:6px}
.login button{margin-top:12px}
.error{color:#b91c1c}
#console{display:flex;flex-direction:column;height:100vh}
header.bar{flex:none;display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;padding:8px 12px;border-bottom:1px solid var(--line);background:var(--soft)}
header.bar h1{font-size:16px;margin:0}
header.bar .spacer{flex:1}
.status-choice{display:flex;align-items:center;gap:4px;border:0;margin:0;padding:0}
.status-choice label{border:1px solid var(--line);border-radius:6px;padding:2px 8px;background:#fff}
.status-choice input:checked+span{font-weight:600}
.status-choice label:has(input:checked){border-color:var(--accent);background:#dbeafe}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:4px;background:#a1a1aa}
.dot.available{background:#16a34a}.dot.busy{background:#d97706}
main.layout{flex:1;min-height:0;display:grid;grid-template-columns:minmax(200px,260px) 1fr}
@media (max-width:760px){main.layout{grid-template-columns:170px minmax(0,1fr)}}
@media (max-width:520px){#console{height:auto}main.layout{grid-template-columns:1fr}.log{max-height:50vh}}
aside.side{border-right:1px solid var(--line);padding:8px;overflow:auto}
aside.side h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:12px 4px 6px}
.plain{list-style:none;margin:0;padding:0}
.conv-item button{display:block;width:100%;text-align:left;border:1px solid transparent;margin:2px 0;padding:6px 8px}
.conv-item button[aria-current="true"]{border-color:var(--accent);background:#eff6ff}
.path{font-family:ui-monospace,monospace;font-size:12px;overflow-wrap:anywhere}
.chat-head h2 .path{font-size:14px}
.badge{display:inline-block;min-width:18px;padding:0 5px;border-radius:9px;background:#dc2626;color:#fff;font-size:12px;text-align:center;margin-left:4px}
.alerting{animation:none;border-left:3px solid #dc2626 !important}
.queue-item{border:1px solid var(--line);border-radius:6px;padding:6px 8px;margin:4px 0;font-size:13px}
.context dl{display:grid;grid-template-columns:fit-content(40%) minmax(0,1fr);gap:2px 10px;margin:4px 0}
.context dt{color:var(--muted);overflow-wrap:anywhere}
.context dd{margin:0;overflow-wrap:anywhere}
.context ul{margin:0;padding-left:16px}
.context q{display:block;color:var(--muted)}
section.chat{display:flex;flex-direction:column;min-width:0;min-height:0}
.chat-head{padding:8px 12px;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:6px 12px;align-items:baseline}
.chat-head h2{font-size:15px;margin:0;min-width:0;overflow-wrap:anywhere}
.chat-head .actions{margin-left:auto;display:flex;gap:6px}
.chat-body{display:grid;grid-template-columns:1fr minmax(180px,240px);flex:1;min-height:0}
.chat-main{display:flex;flex-direction:column;min-height:0}
@media (max-width:900px){.chat-body{grid-template-columns:1fr;grid-template-rows:minmax(0,1fr) auto}.context{border-left:0;border-top:1px solid var(--line);max-height:30vh}}
.log{flex:1;overflow:auto;padding:8px 12px;min-height:120px}
.msg{margin:6px 0;max-width:80%;padding:6px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}
.msg.visitor{background:var(--soft)}
.msg.agent{background:#dbeafe;margin-left:auto}
.msg.system{background:none;color:var(--muted);font-style:italic;max-width:none;text-align:center}
.msg .who{display:block;font-size:11px;color:var(--muted)}
.note{border:1px dashed var(--warn);border-radius:6px;padding:6px 8px;margin:6px 0;color:#78350f;white-space:pre-wrap}
.typing{min-height:20px;padding:0 12px;color:var(--muted);font-size:12px}
.reply{border-top:1px solid var(--line);padding:8px 12px;display:flex;gap:8px;align-items:flex-end}
.reply textarea{flex:1;min-height:52px;max-height:160px;resize:vertical;padding:6px 8px;border:1px solid var(--line);border-radius:6px}
.canned{border:1px solid var(--line);border-radius:6px;background:#fff;margin:0 12px;max-height:160px;overflow:auto}
.canned [aria-selected="true"]{background:#dbeafe}
.canned [role="option"]{padding:4px 8px}
.context{border-left:1px solid var(--line);padding:8px 12px;overflow:auto;font-size:13px}
.empty{color:var(--muted);padding:24px}
.transfer{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:8px 12px;background:var(--soft)}
.transfer textarea{width:100%;min-height:48px}
kbd{font-family:ui-monospace,monospace;font-size:12px;border:1px solid var(--line);border-radius:4px;padding:0 4px;background:#fff}
.keys{flex:none;margin:0;font-size:12px;color:var(--muted);padding:6px 12px;border-top:1px solid var(--line)}
.offline{background:#fef3c7;padding:4px 12px;font-size:13px}
`;
