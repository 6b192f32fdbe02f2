/**
 * The packets of one video layer since its last keyframe began (a "group of pictures"), in arrival
 * order. A player that joins or switches to the layer is sent this at once and decodes a picture
 * without waiting for the publisher's next keyframe.
 */
import type { RtpPacket } from 'werift';

/** A GOP longer than this is not a GOP any more (a publisher that ignores keyframe requests): drop it. */
export const MAX_GOP_PACKETS = 5000;

export class GopCache {
    private gop: RtpPacket[] = [];
    /** RTP timestamp of the keyframe that starts the cached GOP */
    private keyTimestamp?: number;
    /** wall time (ms) the cached GOP's keyframe arrived, 0 when nothing is cached */
    startedAt = 0;

    get packets(): readonly RtpPacket[] {
        return this.gop;
    }

    get size(): number {
        return this.gop.length;
    }

    /**
     * A packet that starts a keyframe arrived: a new GOP begins with it, unless it is one more
     * packet of the keyframe already cached (same timestamp). True when a new GOP began.
     */
    keyframe(timestamp: number, now: number): boolean {
        if (timestamp === this.keyTimestamp) return false;
        this.keyTimestamp = timestamp;
        this.gop = [];
        this.startedAt = now;
        return true;
    }

    /** Appends a packet of the current GOP; before the first keyframe there is nothing to append to. */
    add(p: RtpPacket): void {
        if (this.keyTimestamp === undefined) return;
        if (this.gop.length < MAX_GOP_PACKETS) {
            this.gop.push(p);
            return;
        }
        this.clear();
    }

    clear(): void {
        this.gop = [];
        this.keyTimestamp = undefined;
        this.startedAt = 0;
    }
}
