/**
 * The style of `<rtcwire-player>`'s shadow root: the video fills the element, the overlays sit
 * on it (the status and statistics let clicks through to the video's controls). Nothing leaks
 * into the page, and the page styles the parts with `rtcwire-player::part(stats) { … }`.
 * @internal
 */
export const PLAYER_ELEMENT_CSS = `
:host { display: inline-block; position: relative; overflow: hidden; vertical-align: top;
  background: #000; color: #fff; font: 14px/1.4 system-ui, sans-serif; }
:host([hidden]) { display: none; }
[hidden] { display: none !important; }
.video { display: block; width: 100%; height: 100%; object-fit: contain; }
.status { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  padding: 1em; text-align: center; background: rgba(0, 0, 0, 0.55); pointer-events: none; }
button { position: absolute; font: inherit; color: inherit; cursor: pointer; padding: 0.4em 0.9em;
  background: rgba(0, 0, 0, 0.7); border: 1px solid rgba(255, 255, 255, 0.7); border-radius: 6px; }
button:hover, button:focus-visible { background: rgba(40, 40, 40, 0.9); }
.play-button { left: 50%; top: 50%; transform: translate(-50%, -50%); font-size: 1.6em; }
.unmute-button { left: 0.75em; bottom: 3.5em; }
.stats { position: absolute; left: 0.5em; top: 0.5em; padding: 0.3em 0.5em; border-radius: 4px;
  background: rgba(0, 0, 0, 0.6); font: 11px/1.35 ui-monospace, monospace; white-space: pre;
  pointer-events: none; }
`;
