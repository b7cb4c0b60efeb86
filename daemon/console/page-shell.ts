/**
 * The web page's shell and style: one HTML document whose views the browser script builds
 * (daemon/console/browser/), and one stylesheet, small enough for a phone on a site network.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DPP configurator</title>
<link rel="stylesheet" href="/style.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<header>
  <strong>DPP configurator</strong>
  <nav id="nav" hidden>
    <a href="#/">Batch</a>
    <a href="#/whitelist">Whitelist</a>
    <a href="#/devices">Devices</a>
    <a href="#/unlisted">Heard, not listed</a>
    <a href="#/audit">Audit log</a>
    <a href="#/identity">Identity</a>
    <span id="who"></span>
    <button id="logout" type="button">Log out</button>
  </nav>
</header>
<main id="main"><p>Loading…</p></main>
</body>
</html>
`;

export const PAGE_CSS = `
:root { --fg: #1b1f23; --muted: #667; --line: #d8dde3; --accent: #0b63c5; --bad: #b3261e;
  --good: #1e7b34; --warn: #8a5a00; font: 15px/1.4 system-ui, sans-serif; color: var(--fg); }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem;
  border-bottom: 1px solid var(--line); background: #f6f8fa; }
nav { display: flex; flex-wrap: wrap; gap: .3rem .9rem; align-items: center; }
nav a { color: var(--accent); text-decoration: none; }
nav a.current { font-weight: 600; text-decoration: underline; }
#who { color: var(--muted); font-size: .85rem; }
main { padding: 1rem; max-width: 72rem; }
h1 { font-size: 1.25rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.2rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top;
  overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; }
td.hash { font-family: ui-monospace, monospace; font-size: .8rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(8rem, 1fr)); gap: .6rem; }
.tile { border: 1px solid var(--line); border-radius: .4rem; padding: .5rem .7rem; }
.tile b { display: block; font-size: 1.5rem; }
.tile span { color: var(--muted); font-size: .8rem; }
progress { width: 100%; height: 1rem; }
form.inline, .row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0; }
label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .15rem; }
input, select, textarea, button { font: inherit; padding: .35rem .5rem; }
input[name=uri] { min-width: min(40rem, 90vw); }
button { border: 1px solid var(--line); border-radius: .3rem; background: #fff; cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { color: var(--bad); }
.error { color: var(--bad); white-space: pre-wrap; }
.ok { color: var(--good); }
.muted { color: var(--muted); }
.state-connected, .state-provisioned, .up { color: var(--good); }
.state-failed, .state-refused, .down { color: var(--bad); }
.state-interrupted, .warn { color: var(--warn); }
video { max-width: 100%; max-height: 50vh; background: #000; }
.qr img { width: min(18rem, 80vw); image-rendering: pixelated; }
code.uri { word-break: break-all; }
@media (max-width: 40rem) { th.wide, td.wide { display: none; } main { padding: .6rem; } }
`;
