/* global rtcwire */
// rtcwire demo page: publish a camera on the left, play any stream by name on the right.
// Uses only the public API of the <script> build (the global `rtcwire`), under a strict CSP:
// no inline script or style, so every style change goes through classes or element.style.

import { setupPlayer } from './app/player.js';
import { setupPublisher } from './app/publisher.js';

const serverInput = document.getElementById('server-url');
const tokenInput = document.getElementById('access-token');
const toastBox = document.getElementById('toast');

/**
 * Where to connect: the Server field as typed (the page's own origin when empty: the reference
 * server serves this page and the signaling on one origin). The SDK reads it — a bare host, a
 * ws(s):// or http(s):// URL, its scheme mapped to the transport the panel picks — and rejects a
 * junk address itself, with its own INVALID_ARGUMENT message.
 */
function server() {
    const endPoint = serverInput.value.trim() || window.location.origin;
    const accessToken = tokenInput.value.trim() || undefined;
    return {
        /** rtcwire connect params for `streamName`. */
        params(streamName) {
            const params = { endPoint, streamName };
            return accessToken ? { ...params, accessToken } : params;
        },
    };
}

let toastTimer;
/** A short confirmation at the bottom of the screen (announced by its aria-live region). */
function toast(text) {
    toastBox.textContent = text;
    toastBox.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toastBox.hidden = true), 2200);
}

function main() {
    if (typeof rtcwire !== 'object') {
        document.getElementById('sdk-missing').hidden = false;
        return;
    }
    serverInput.value = window.location.origin;
    document.getElementById('server-form').addEventListener('submit', (event) => event.preventDefault());

    const player = setupPlayer({ server });
    setupPublisher({ server, toast, playHere: (name, whep) => player.play(name, { whep }) });

    // A shared link (?play=<name>[&via=whep]) fills in the player and starts it.
    const params = new URLSearchParams(window.location.search);
    const name = params.get('play');
    if (name) player.play(name, { whep: params.get('via') === 'whep' });
}

main();
