/**
 * The sign-in page's stylesheet, inlined (no external assets) and allowed by hash in the page's
 * Content-Security-Policy. Colours keep at least 4.5:1 contrast in light and dark mode; focus is
 * always visible for keyboard users; the card fills a phone screen and centres on larger ones.
 */
export const SIGN_IN_CSS = `
:root { color-scheme: light dark; --bg: #f4f5f7; --card: #ffffff; --text: #16181d; --muted: #4a5160;
  --accent: #5b21b6; --accent-text: #ffffff; --error: #a3141b; --ok: #11643a; --focus: #f59e0b; --border: #d5d8de; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111318; --card: #1c1f26; --text: #eceef2; --muted: #b5bac6; --accent: #c4b5fd;
    --accent-text: #1b1240; --error: #ff9b9b; --ok: #7ee2a8; --border: #3a3f4b; }
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { min-height: 100vh; display: flex; align-items: center; justify-content: center; background: var(--bg);
  color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { width: 100%; max-width: 26rem; margin: 1rem; padding: 1.5rem; background: var(--card);
  border: 1px solid var(--border); border-radius: 1rem; text-align: center; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 .25rem; overflow-wrap: anywhere; }
.lead { margin: 0 0 1rem; color: var(--muted); }
#status { min-height: 3em; margin: .5rem 0 1rem; font-weight: 600; }
main[data-state="declined"] #status, main[data-state="expired"] #status,
main[data-state="error"] #status, main[data-state="refused"] #status { color: var(--error); }
main[data-state="approved"] #status, main[data-state="signed-in"] #status,
main[data-state="redirecting"] #status { color: var(--ok); }
figure { margin: 0 auto 1rem; }
#qr { width: min(18rem, 78vw); aspect-ratio: 1; margin: 0 auto; padding: .5rem; background: #ffffff;
  border-radius: .5rem; border: 1px solid var(--border); }
#qr svg { display: block; width: 100%; height: 100%; }
figcaption { margin-top: .5rem; color: var(--muted); font-size: .9375rem; }
.button, button { display: inline-block; min-height: 2.75rem; padding: .625rem 1.25rem; border: 2px solid var(--accent);
  border-radius: .625rem; background: var(--accent); color: var(--accent-text); font: inherit; font-weight: 600;
  text-decoration: none; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
.button:hover, button:hover { filter: brightness(1.1); }
a:focus-visible, button:focus-visible { outline: 3px solid var(--focus); outline-offset: 3px; }
#countdown { margin: 1rem 0 0; color: var(--muted); font-variant-numeric: tabular-nums; }
#reason { margin: 0 0 1rem; overflow-wrap: anywhere; }
#who { overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .875rem; }
[hidden] { display: none !important; }
@media (prefers-reduced-motion: no-preference) { .button, button { transition: filter .15s; } }
`;
