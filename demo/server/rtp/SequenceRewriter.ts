/**
 * Sequence numbers and timestamps of one outgoing RTP stream whose source changes: a player is
 * sent one simulcast layer, then another, or the same layer's cached GOP again. Each source
 * numbers its packets its own way; the player must see one stream whose sequence numbers go up
 * by one per packet (else its jitter buffer waits for packets that never existed, or discards
 * the new ones as old) and whose timestamps keep advancing (else it holds or drops frames).
 *
 * werift's `RTCRtpSender.replaceRTP` does this internally; the relay does it itself so that it
 * knows the player's sequence numbers (to answer the player's NACKs) and can be unit-tested.
 */

export interface RtpPosition {
    sequenceNumber: number;
    timestamp: number;
}

const u16 = (n: number) => n & 0xffff;
const u32 = (n: number) => n >>> 0;

export class SequenceRewriter {
    private seqOffset = 0;
    private tsOffset = 0;
    private last?: RtpPosition;
    /** timestamp step to apply when the next packet arrives, set by {@link restart} */
    private pendingStep?: number;

    /** The last position written (undefined before the first packet). */
    get lastOutput(): RtpPosition | undefined {
        return this.last;
    }

    /**
     * The next packet starts a new source: it is numbered right after the last packet written, and
     * its timestamp is `timestampStep` ticks after the last timestamp written (the wall time
     * between them, so that the player's clock does not jump). Before any packet, nothing to join.
     */
    restart(timestampStep: number): void {
        if (this.last) this.pendingStep = Math.max(1, Math.round(timestampStep));
    }

    /** The output position of a source packet (and it becomes the last written). */
    rewrite(source: RtpPosition): RtpPosition {
        if (this.pendingStep !== undefined && this.last) {
            this.seqOffset = u16(this.last.sequenceNumber + 1 - source.sequenceNumber);
            this.tsOffset = u32(this.last.timestamp + this.pendingStep - source.timestamp);
            this.pendingStep = undefined;
        }
        this.last = {
            sequenceNumber: u16(source.sequenceNumber + this.seqOffset),
            timestamp: u32(source.timestamp + this.tsOffset),
        };
        return this.last;
    }
}
