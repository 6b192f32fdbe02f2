// Reception statistics of one RTP stream (RFC 3550 A.3 loss, A.8 jitter), on recorded packet runs.
import { describe, expect, it } from 'vitest';
import { seqNewer, TrackStats } from '../../../demo/server/rtp/TrackStats.ts';
import { rtp, vp8Payload } from '../helpers.ts';

const packet = (seq: number, ts = 0) => rtp(seq, ts, vp8Payload('delta'));

describe('TrackStats', () => {
    it('orders sequence numbers modulo 2^16', () => {
        expect(seqNewer(1, 0)).toBe(true);
        expect(seqNewer(0, 65535)).toBe(true);
        expect(seqNewer(65535, 0)).toBe(false);
        expect(seqNewer(5, 5)).toBe(false);
    });

    it('counts loss across a sequence number wrap, per interval and in total', () => {
        const s = new TrackStats(90_000);
        // 65530 … 65535, 0 … 13: 20 expected; 65533 and 2, 3, 4 are lost
        const seqs = [65530, 65531, 65532, 65534, 65535, 0, 1, ...Array.from({ length: 9 }, (_, i) => i + 5)];
        for (const seq of seqs) s.record(packet(seq), 0);
        s.tick(1000);
        expect(s.expected).toBe(20);
        expect(s.lost).toBe(4);
        expect(s.lossPercent).toBe(20);
        for (let seq = 14; seq < 24; seq++) s.record(packet(seq), 0);
        s.tick(1000);
        expect(s.lossPercent).toBe(0);
        expect(s.lost).toBe(4);
    });

    it('says which packets are the newest (a reordered one is not)', () => {
        const s = new TrackStats(90_000);
        expect(s.record(packet(10), 0)).toBe(true);
        expect(s.record(packet(12), 0)).toBe(true);
        expect(s.record(packet(11), 0)).toBe(false);
        expect(s.lost).toBe(0);
    });

    it('measures the bitrate over the interval and the interarrival jitter', () => {
        const s = new TrackStats(90_000);
        // 30 fps sent; arrivals alternate 20 and 46.7 ms apart: 13.3 ms of jitter per packet
        let at = 0;
        for (let i = 0; i < 100; i++) {
            s.record(rtp(i, i * 3000, Buffer.alloc(988)), at);
            at += i % 2 ? 20 : 46.67;
        }
        s.tick(1000);
        expect(s.bitrate).toBe(100 * 1000 * 8);
        expect(s.jitter).toBeCloseTo(13.3, 0);
    });
});
