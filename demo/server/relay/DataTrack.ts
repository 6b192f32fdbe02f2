/**
 * A data (meta) track of a stream: the JSON items its publisher sends on a data channel. Its index
 * follows the publisher's media tracks; the metadata lists it as `type: 'meta', codec: 'JSON'`, and
 * every item reaches the players as `{ data, time, track }`, `time` in the stream's media clock.
 */

/** A timed-data item as players receive it (MistServer's shape). */
export interface TimedItem {
    data: unknown;
    /** ms since the publish started: the clock of `on_time.current` */
    time: number;
    track: number;
}

/** Items a publisher may send per second on one track; more are dropped (a flood reaches no player). */
export const MAX_ITEMS_PER_SECOND = 50;

export class DataTrack {
    readonly kind = 'data';
    readonly codec = 'JSON';
    /** items relayed */
    items = 0;
    lastItemAt = 0;
    private windowStart = 0;
    private inWindow = 0;

    constructor(readonly index: number) {}

    /** Whether one more item is within the rate limit at `now` (and counts it). */
    admit(now: number): boolean {
        if (now - this.windowStart >= 1000) {
            this.windowStart = now;
            this.inWindow = 0;
        }
        if (this.inWindow >= MAX_ITEMS_PER_SECOND) return false;
        this.inWindow++;
        this.items++;
        this.lastItemAt = now;
        return true;
    }

    info() {
        return {
            index: this.index,
            id: `data-${this.index}`,
            kind: this.kind,
            codec: this.codec,
            bitrate: 0,
            packets: this.items,
            active: this.items > 0,
        };
    }
}
