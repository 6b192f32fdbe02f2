/**
 * Reception statistics of one incoming RTP stream, as RFC 3550 § 6.4.1 and appendix A.3/A.8 define
 * them: extended highest sequence number, cumulative and interval loss, interarrival jitter; plus
 * the bitrate over the last interval for /streams.
 */
import type { RtpPacket } from 'werift';

/** Whether sequence number `a` comes after `b`, modulo 2^16 (RFC 1982 serial arithmetic). */
export const seqNewer = (a: number, b: number): boolean => a !== b && ((a - b) & 0xffff) < 0x8000;

const RTP_HEADER_BYTES = 12;

export class TrackStats {
    packets = 0;
    lastPacketAt = 0;
    /** bits per second over the last {@link tick} interval */
    bitrate = 0;
    /** percent of the packets expected over the last {@link tick} interval that did not arrive */
    lossPercent = 0;
    /** interarrival jitter, ms */
    jitter = 0;
    private bytesWindow = 0;
    private maxSeq?: number;
    private baseSeq = 0;
    private cycles = 0;
    private lastExpected = 0;
    private lastReceived = 0;
    private lastTransit?: number;

    constructor(private readonly clockRate: number) {}

    /** Accounts for one packet arriving at `now` (ms); true when it is the newest so far (not reordered). */
    record(p: RtpPacket, now: number): boolean {
        const { sequenceNumber: seq, timestamp } = p.header;
        this.packets++;
        this.lastPacketAt = now;
        this.bytesWindow += p.payload.length + RTP_HEADER_BYTES;
        let newest = false;
        if (this.maxSeq === undefined) {
            this.maxSeq = this.baseSeq = seq;
            newest = true;
        } else if (seqNewer(seq, this.maxSeq)) {
            if (seq < this.maxSeq) this.cycles += 0x10000;
            this.maxSeq = seq;
            newest = true;
        }
        const transit = (now * this.clockRate) / 1000 - timestamp;
        if (this.lastTransit !== undefined) {
            let d = Math.abs(transit - this.lastTransit);
            if (d > 0x7fffffff) d = 0; // a timestamp wrap, not jitter
            this.jitter += ((d * 1000) / this.clockRate - this.jitter) / 16;
        }
        this.lastTransit = transit;
        return newest;
    }

    /** Closes an interval of `intervalMs`: bitrate and loss over it. */
    tick(intervalMs: number): void {
        this.bitrate = Math.round((this.bytesWindow * 8 * 1000) / intervalMs);
        this.bytesWindow = 0;
        const expected = this.expected;
        const de = expected - this.lastExpected;
        const dr = this.packets - this.lastReceived;
        this.lossPercent = de > 0 ? Math.max(0, Math.round(((de - dr) * 1000) / de) / 10) : 0;
        this.lastExpected = expected;
        this.lastReceived = this.packets;
    }

    /** packets expected so far (extended highest sequence number − first + 1) */
    get expected(): number {
        return this.maxSeq === undefined ? 0 : this.cycles + this.maxSeq - this.baseSeq + 1;
    }

    /** packets lost so far (never negative: duplicates can outnumber the losses) */
    get lost(): number {
        return Math.max(0, this.expected - this.packets);
    }
}
