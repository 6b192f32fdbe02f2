/**
 * `rtcwire/element`: the drop-in `<rtcwire-player>` custom element. Importing this entry defines
 * the tag (once: a definition that exists, e.g. from the `<script>` build, is kept); it is the only
 * side effect, and the core import (`rtcwire`) stays free of it.
 *
 * @example
 * ```ts
 * import 'rtcwire/element';
 *
 * document.body.insertAdjacentHTML(
 *     'beforeend',
 *     '<rtcwire-player endpoint="127.0.0.1:8080" stream="cam1" autoplay muted controls></rtcwire-player>',
 * );
 * ```
 * @module rtcwire/element
 */
import { PLAYER_ELEMENT_TAG, PlayerElement } from './PlayerElement';

export { PLAYER_ELEMENT_EVENTS, PLAYER_ELEMENT_TAG, PlayerElement } from './PlayerElement';
export type { PlayerElementEventMap } from './PlayerElement';

// Not in Node or server-side rendering (no customElements): importing is harmless there.
if (typeof customElements !== 'undefined' && !customElements.get(PLAYER_ELEMENT_TAG)) {
    customElements.define(PLAYER_ELEMENT_TAG, PlayerElement);
}
