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
 * Where to connect. The reference server serves this page and the signaling on one origin, so
 * the default is the page's own: http(s)://host/ for WHIP/WHEP, ws(s)://host/ for WebSocket.
 */
function server() {
    const base = new URL(serverInput.value || window.location.origin);
    return {
        endPoint(transport) {
            const url = new URL(base);
            if (transport === 'ws') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
            return url.href;
        },
        accessToken: tokenInput.value.trim() || undefined,
        /** rtcwire connect params for `streamName` over `transport` ('ws' or 'http'). */
        params(transport, streamName) {
            const params = { endPoint: this.endPoint(transport), streamName };
            return this.accessToken ? { ...params, accessToken: this.accessToken } : params;
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
