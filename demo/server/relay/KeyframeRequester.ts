/**
 * Keyframe requests (PLI) towards a publisher, spaced per video layer.
 *
 * Every player of a layer may ask for a keyframe (its own PLIs, a layer switch), and so does the
 * server to keep the cached GOP short. A keyframe is several times the size of other frames, and
 * when they come too often Chrome's encoder runs over its budget and stops its top simulcast layer
 * for a while: under 20 % loss, players' PLIs relayed every 500 ms did exactly that. One request
 * per second per layer serves every player: a keyframe asked for by one reaches them all.
 *
 * An urgent request — the layer has just (re)started, or a player is waiting for its first picture
 * with no GOP to replay — may go sooner, but still not more than every 250 ms.
 */

export const PLI_INTERVAL_MS = 1000;
export const URGENT_PLI_INTERVAL_MS = 250;

export class KeyframeRequester<Layer> {
    private readonly lastSent = new Map<Layer, number>();

    constructor(
        private readonly send: (layer: Layer) => void,
        private readonly intervalMs = PLI_INTERVAL_MS,
        private readonly urgentIntervalMs = URGENT_PLI_INTERVAL_MS,
    ) {}

    /** Sends a request for `layer` unless one went too recently; true when it was sent. */
    request(layer: Layer, now: number, urgent = false): boolean {
        const last = this.lastSent.get(layer);
        if (last !== undefined && now - last < (urgent ? this.urgentIntervalMs : this.intervalMs)) return false;
        this.lastSent.set(layer, now);
        this.send(layer);
        return true;
    }

    /** When the last request for `layer` went, 0 if never. */
    lastRequestAt(layer: Layer): number {
        return this.lastSent.get(layer) ?? 0;
    }
}
