/**
 * The recent packets sent to one player, by the player's sequence number, to answer its NACKs
 * (RFC 4585 generic NACK; without RTX the packet is resent as it was, RFC 4588 § 1).
 *
 * werift's `RTCRtpSender` already answers NACKs from its own history of the last 128 packets it
 * was given. That leaves two gaps this buffer fills, and nothing werift answers (a packet sent
 * twice makes the player's loss counter go down twice):
 * - a player joining a stream is sent the layer's whole cached GOP at once, often several
 *   hundred packets, and the packets a burst loses are its first ones — the keyframe; by the time
 *   the player's NACK arrives, werift has overwritten them;
 * - a packet lost between the relay and werift (the loss fault's simulated link) never reached
 *   werift's history at all.
 * Entries are the header copies made for the player; payloads are the track's own buffers.
 */
import type { RtpPacket } from 'werift';

/** werift's `RTP_HISTORY_SIZE` (lib/webrtc/src/media/rtpSender.js): a packet's slot is `seq % 128`. */
export const WERIFT_SENDER_HISTORY = 128;

interface Entry {
    seq: number;
    at: number;
    packet: RtpPacket;
}

export interface RetransmitBufferOptions {
    /** packets kept (a power of two up to 65536), default 2048 */
    capacity?: number;
    /** a packet older than this is not resent (the player has given up on it), ms, default 1000 */
    maxAgeMs?: number;
}

export class RetransmitBuffer {
    private readonly entries: Array<Entry | undefined>;
    /** the sequence number werift's history holds in each of its slots (-1: none) */
    private readonly weriftSlots = new Int32Array(WERIFT_SENDER_HISTORY).fill(-1);
    private readonly maxAgeMs: number;

    constructor(options: RetransmitBufferOptions = {}) {
        this.entries = new Array(options.capacity ?? 2048);
        this.maxAgeMs = options.maxAgeMs ?? 1000;
    }

    /** `p` (carrying the player's sequence number) was handed to werift at `now`. */
    sent(p: RtpPacket, now: number): void {
        this.keep(p, now);
        this.weriftSlots[p.header.sequenceNumber % WERIFT_SENDER_HISTORY] = p.header.sequenceNumber;
    }

    /** `p` was numbered for the player but lost before werift got it (the loss fault's link). */
    lost(p: RtpPacket, now: number): void {
        this.keep(p, now);
    }

    private keep(p: RtpPacket, now: number): void {
        const seq = p.header.sequenceNumber;
        this.entries[seq % this.entries.length] = { seq, at: now, packet: p };
    }

    /** The packets to resend for a NACK of `lost` at `now`: known, recent, and not in werift's history. */
    forNack(lost: readonly number[], now: number): RtpPacket[] {
        const out: RtpPacket[] = [];
        for (const seq of lost) {
            if (this.weriftSlots[seq % WERIFT_SENDER_HISTORY] === seq) continue;
            const e = this.entries[seq % this.entries.length];
            if (e?.seq === seq && now - e.at <= this.maxAgeMs) out.push(e.packet);
        }
        return out;
    }
}
