/**
 * One outgoing RTP stream of a player (its audio, or its video): packets from whichever source
 * the player is given get the player's own sequence numbers and timestamps, lose the publisher's
 * header extensions, and are kept a moment to answer the player's NACKs.
 *
 * Between the relay and the player lies a link, which the fault switch can make lossy (the
 * `deliver` hook): a lost packet keeps its sequence number, as on a real network, so the player
 * sees the gap and NACKs it; retransmissions cross the same link.
 */
import type { RtpPacket } from 'werift';
import { withoutHeaderExtensions } from '../rtp/headerExtensions.ts';
import { RetransmitBuffer } from '../rtp/RetransmitBuffer.ts';
import { SequenceRewriter } from '../rtp/SequenceRewriter.ts';

/** Where a player's packets go: werift's RTCRtpSender in production, an array in unit tests. */
export interface RtpSink {
    /** A new packet (the sender sets the player's SSRC and payload type). */
    send(p: RtpPacket): void;
    /** A packet sent before, again (a NACK answer). */
    resend(p: RtpPacket): void;
}

export class Outbound {
    private readonly rewriter = new SequenceRewriter();
    private readonly history = new RetransmitBuffer();
    /** wall time of the last packet sent, 0 before the first */
    lastSentAt = 0;

    constructor(
        private readonly sink: RtpSink,
        private readonly clockRate: number,
        /** whether the next packet crosses the link to the player (false: lost on the way) */
        private readonly deliver: () => boolean = () => true,
    ) {}

    /**
     * The next packet starts a new source (another layer, a GOP replay, audio after a pause): it
     * continues the player's numbering, `timestampStep` ticks after the last packet sent.
     */
    restart(timestampStep: number): void {
        this.rewriter.restart(timestampStep);
    }

    /** The wall time since the last packet, in RTP ticks: the step that keeps the player's clock honest. */
    ticksSinceLastSent(now: number): number {
        return Math.max(1, Math.round(((now - this.lastSentAt) * this.clockRate) / 1000));
    }

    /** Sends a source packet, optionally with another source timestamp (GOP replays compress theirs). */
    send(p: RtpPacket, now: number, sourceTimestamp = p.header.timestamp): void {
        const out = withoutHeaderExtensions(p);
        const pos = this.rewriter.rewrite({ sequenceNumber: p.header.sequenceNumber, timestamp: sourceTimestamp });
        out.header.sequenceNumber = pos.sequenceNumber;
        out.header.timestamp = pos.timestamp;
        this.lastSentAt = now;
        if (!this.deliver()) {
            this.history.lost(out, now);
            return;
        }
        this.history.sent(out, now);
        this.sink.send(out);
    }

    /** The player reported `lost` (its sequence numbers) missing; returns how many were resent. */
    nack(lost: readonly number[], now: number): number {
        let resent = 0;
        for (const p of this.history.forNack(lost, now)) {
            if (!this.deliver()) continue;
            this.sink.resend(p);
            resent++;
        }
        return resent;
    }
}
