import { type StaticAsset, staticAsset } from '../_reply.js';

/** `/static/site.css`: the whole site's look, circa 2008. */
export const siteCss: StaticAsset = staticAsset(
  `body{margin:0;background:#dfe6ee;font:13px/1.5 Verdana,Geneva,Arial,sans-serif;color:#222}
a{color:#1a4f8b}
a:hover{color:#c0392b}
#wrap{max-width:960px;margin:16px auto;background:#fff;border:1px solid #b5c3d3;box-shadow:0 2px 6px rgba(0,0,0,.15)}
#header{background:linear-gradient(#3b6ea5,#234d7a);color:#fff;padding:14px 18px;overflow:hidden}
#header .logo{float:left;color:#fff;font:bold 24px Georgia,serif;text-decoration:none;text-shadow:0 1px 0 #112}
#header .logo span{color:#ffd36b}
#header .nav{float:right;list-style:none;margin:6px 0 0;padding:0}
#header .nav li{display:inline;margin-left:14px}
#header .nav a{color:#fff;font-weight:bold;text-decoration:none}
#header .nav a:hover{text-decoration:underline}
#content{padding:18px 22px}
h1{font:bold 22px Georgia,serif;color:#234d7a;margin:0 0 12px}
h2{font:bold 17px Georgia,serif;color:#234d7a}
.products{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:12px}
.products li{width:200px;border:1px solid #ccd6e0;background:#f6f9fc;padding:10px}
.thumb{display:block;height:90px;background:linear-gradient(135deg,#ffe9a8,#f2b84b);color:#7a4b00;font:bold 40px Georgia,serif;text-align:center;line-height:90px;border:1px solid #e0a83a}
.price{color:#b02a1a;font-weight:bold;font-size:15px}
.muted{color:#667}
table.grid{border-collapse:collapse;width:100%}
table.grid th,table.grid td{border:1px solid #ccd6e0;padding:6px 8px;text-align:left}
table.grid th{background:#e8eef5}
.button,button{background:linear-gradient(#ffd36b,#f0a400);border:1px solid #c78400;border-radius:3px;padding:5px 14px;font:bold 13px Verdana,sans-serif;color:#3a2600;cursor:pointer}
.form-row{margin:0 0 12px}
.form-row label{display:block;font-weight:bold}
.form-row input,.form-row textarea{width:280px;padding:4px;border:1px solid #9aaabb;font:13px Verdana,sans-serif}
.form-row input[aria-invalid=true],.form-row textarea[aria-invalid=true]{border:2px solid #c0392b;background:#fff5f4}
.field-error{display:block;color:#c0392b;font-weight:bold}
.error{border:2px solid #c0392b;background:#fff0ee;padding:8px 12px;margin:0 0 14px}
.notice{border:1px solid #8fbf6a;background:#f2fbe9;padding:8px 12px}
#footer{border-top:1px solid #ccd6e0;background:#f1f4f8;padding:8px 18px;font-size:11px;color:#556}
#help-widget{position:fixed;right:16px;bottom:16px;width:190px;background:#fffbe6;border:2px solid #f0a400;border-radius:6px;padding:8px 10px;box-shadow:0 2px 8px rgba(0,0,0,.25);font-size:12px}
#help-widget .help-widget-title{margin:0 0 6px;font-weight:bold}
#help-widget form{margin:0}
`,
  'text/css; charset=utf-8',
);
