/**
 * Closes `socket` without a word to its handlers: they are detached first, so that no event of
 * a socket the SDK let go of reaches it. `onerror` stays a no-op rather than `null`: Node's `ws`
 * emits `error` when a still-connecting socket is closed, and an EventEmitter `error` without a
 * listener would throw out of a timer. @internal
 */
export function closeQuietly(socket: WebSocket): void {
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.onerror = () => undefined;
    socket.close();
}
