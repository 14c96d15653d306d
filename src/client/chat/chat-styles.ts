/**
 * The chat panel's one adopted stylesheet (a strict page policy refuses `<style>` and style
 * attributes, not adopted sheets). The host's own box is `all: initial !important`, so no
 * page rule or inherited font reaches in; inside the shadow root no page selector applies.
 * Every rule is scoped to the panel or its launcher: the offer shares the shadow root.
 * Colour comes from `--hg-accent` on the host (`offers.appearance`).
 */
export const CHAT_CSS = `
:host{all:initial!important;position:fixed!important;z-index:2147483647!important}
.chat,.chat-launcher{font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;box-sizing:border-box}
.chat *,.chat *::before,.chat *::after{box-sizing:inherit}
.chat{position:fixed;right:16px;bottom:80px;width:360px;max-width:calc(100vw - 32px);height:520px;max-height:calc(100vh - 96px);max-height:calc(100dvh - 96px);display:flex;flex-direction:column;background:#fff;border:1px solid #8a8a8a;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.25);overflow:hidden;animation:hg-chat-in .16s ease-out}
.chat[hidden],.chat [hidden],.chat-launcher[hidden]{display:none}
@keyframes hg-chat-in{from{opacity:0;transform:translateY(8px)}}
.chat .head{display:flex;align-items:center;gap:8px;padding:10px 8px 10px 16px;background:var(--hg-accent,#1a5fb4);color:#fff}
.chat h2{flex:1;margin:0;font-size:16px;font-weight:600}
.chat .status{margin:0;padding:10px 16px;background:#f3f5f8;border-bottom:1px solid #dde1e6;font-size:14px}
.chat .scroll{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:12px 16px}
.chat .msg{margin:0 0 10px;max-width:85%;width:fit-content}
.chat .msg p{margin:0;padding:8px 12px;border-radius:12px;background:#eceff3;white-space:pre-wrap;overflow-wrap:anywhere}
.chat .who{display:block;font-size:12px;color:#555;margin:0 0 2px 4px}
.chat .msg.visitor{margin-left:auto}
.chat .msg.visitor p{background:var(--hg-accent,#1a5fb4);color:#fff}
.chat .msg.system{margin:0 auto 10px;max-width:100%;font-size:13px;color:#555;font-style:italic;text-align:center}
.chat .msg.system p{background:none;padding:2px 0}
.chat .pending p{opacity:.7}
.chat .note{display:block;font-size:12px;color:#555;margin:2px 4px 0;text-align:right}
.chat .failed .note{color:#b00020}
.chat .typing{margin:0;padding:0 16px 6px;font-size:13px;color:#555;font-style:italic}
.chat form{display:flex;gap:8px;align-items:flex-end;margin:0;padding:8px 12px;border-top:1px solid #dde1e6}
.chat textarea{flex:1;min-height:44px;max-height:120px;resize:none;font-family:inherit;font-size:16px;line-height:1.35;padding:10px;border:1px solid #8a8a8a;border-radius:8px;color:inherit;background:#fff}
.chat button{font:inherit;cursor:pointer;border-radius:8px}
.chat form button{min-height:44px;padding:0 16px;border:0;background:var(--hg-accent,#1a5fb4);color:#fff;font-weight:600}
.chat button:disabled,.chat textarea:disabled{opacity:.55;cursor:default}
.chat .foot{display:flex;justify-content:flex-end;padding:0 12px 10px}
.chat .end{padding:6px 12px;border:1px solid #8a8a8a;background:#fff;color:#1b1b1b;font-size:14px}
.chat .min{width:40px;height:40px;border:0;background:transparent;color:#fff;font-size:22px;line-height:1}
.chat-launcher{cursor:pointer;position:fixed;right:16px;bottom:16px;height:48px;min-width:48px;max-width:160px;padding:0 18px;border:0;border-radius:24px;background:var(--hg-accent,#1a5fb4);color:#fff;font-weight:600;box-shadow:0 2px 10px rgba(0,0,0,.3)}
.chat .sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.chat :focus-visible,.chat-launcher:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px;box-shadow:0 0 0 2px #fff}
@media (max-width:480px){
.chat{inset:0;width:auto;max-width:none;height:100vh;height:100dvh;max-height:none;border:0;border-radius:0}
.chat:not([hidden])~.chat-launcher{display:none}
}
@media (prefers-reduced-motion:reduce){.chat{animation:none}}
`;
