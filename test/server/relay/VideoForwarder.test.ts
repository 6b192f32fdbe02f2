// What a player is sent, on recorded VP8 packet runs: the GOP replayed when it joins, continuous
// sequence numbers and timestamps across layer switches, PLIs answered, NACKs answered.
import type { RtpPacket } from 'werift';
import { beforeEach, describe, expect, it } from 'vitest';
import { KeyframeRequester } from '../../../demo/server/relay/KeyframeRequester.ts';
import { Outbound, type RtpSink } from '../../../demo/server/relay/Outbound.ts';
import { Track } from '../../../demo/server/relay/Track.ts';
import { REPLAY_INTERVAL_MS, VideoForwarder } from '../../../demo/server/relay/VideoForwarder.ts';
import { vp8Keyframe } from '../../../demo/server/rtp/keyframes.ts';
import { vp8Recording } from '../helpers.ts';

const vp8 = { pt: 96, name: 'VP8', clockRate: 90_000, fmtp: '' };

interface Sent {
    how: 'send' | 'resend';
    seq: number;
    ts: number;
    key: boolean;
    source: Buffer;
    extensions: number;
}

function setup() {
    const sent: Sent[] = [];
    const sink: RtpSink = {
        send: (p) => sent.push(describe_(p, 'send')),
        resend: (p) => sent.push(describe_(p, 'resend')),
    };
    const requests: Array<{ track: number; urgent: boolean }> = [];
    const out = new Outbound(sink, 90_000);
    const forwarder = new VideoForwarder(out, (t, urgent) => requests.push({ track: t.index, urgent }));
    return { sent, out, forwarder, requests };
}

function describe_(p: RtpPacket, how: Sent['how']): Sent {
    return {
        how,
        seq: p.header.sequenceNumber,
        ts: p.header.timestamp,
        key: vp8Keyframe(p.payload)?.width !== undefined,
        source: p.payload,
        extensions: p.header.extensions.length,
    };
}

/** Each consecutive pair differs by one (mod 2^16). */
const consecutive = (seqs: number[]) => seqs.every((s, i) => i === 0 || s === ((seqs[i - 1]! + 1) & 0xffff));

describe('VideoForwarder', () => {
    let low: Track;
    let high: Track;
    let lowPackets: RtpPacket[];
    let highPackets: RtpPacket[];
    beforeEach(() => {
        low = new Track(1, 'video', vp8, '1', 'q');
        high = new Track(2, 'video', vp8, '1', 'f');
        // two simulcast layers of the same frames, numbered independently, keyframes every 30 frames
        lowPackets = vp8Recording({ frames: 40, packetsPerFrame: 2, seq0: 65500, ts0: 1_000_000, ssrc: 1 });
        highPackets = vp8Recording({ frames: 40, packetsPerFrame: 4, seq0: 300, ts0: 4_000_000_000, ssrc: 2 });
    });

    it('replays the GOP from the last keyframe when a player joins, squeezed into a few ms', () => {
        const { sent, forwarder, requests } = setup();
        lowPackets.forEach((p) => low.ingest(p, 0));
        forwarder.switchTo(low, 1000);
        // frames 30 … 39 (the GOP since the last keyframe), 2 packets each
        expect(sent).toHaveLength(20);
        expect(sent[0]!.key).toBe(true);
        expect(sent.map((s) => s.source)).toEqual(lowPackets.slice(60).map((p) => p.payload));
        expect(consecutive(sent.map((s) => s.seq))).toBe(true);
        // the newest frame keeps its timestamp; the others are 1 ms (90 ticks) apart before it
        const frameTs = [...new Set(sent.map((s) => s.ts))];
        const newest = lowPackets.at(-1)!.header.timestamp;
        expect(frameTs).toEqual(Array.from({ length: 10 }, (_, i) => newest - (9 - i) * 90));
        expect(sent.every((s) => s.extensions === 0 && s.how === 'send')).toBe(true);
        expect(requests).toEqual([{ track: 1, urgent: false }]); // a fresh keyframe soon
        expect(forwarder.current).toBe(low);
    });

    it('without a cached GOP, waits for the next keyframe (asked for urgently)', () => {
        const { sent, forwarder, requests } = setup();
        forwarder.switchTo(low, 0);
        expect(requests).toEqual([{ track: 1, urgent: true }]);
        expect(forwarder.pending).toBe(low);
        const tail = lowPackets.slice(40); // frames 20 … 39: the keyframe is frame 30
        tail.forEach((p) => forwarder.onPacket(low, p, low.ingest(p, 0), 0));
        expect(sent).toHaveLength(20);
        expect(sent[0]!.key).toBe(true);
        expect(forwarder.current).toBe(low);
    });

    it('switches layers with continuous sequence numbers and timestamps (at the next keyframe)', () => {
        const { sent, forwarder } = setup();
        let now = 0;
        const feed = (i: number) => {
            // frame i of both layers arrives at 33 ms per frame
            now = i * 33;
            for (const p of lowPackets.slice(i * 2, i * 2 + 2)) forwarder.onPacket(low, p, low.ingest(p, now), now);
            for (const p of highPackets.slice(i * 4, i * 4 + 4)) forwarder.onPacket(high, p, high.ingest(p, now), now);
        };
        forwarder.switchTo(low, 0);
        for (let i = 0; i < 25; i++) feed(i);
        expect(forwarder.current).toBe(low);
        // 20 ms later, switch to the high layer: it has a GOP since frame 0, replayed now
        forwarder.switchTo(high, now + 20);
        for (let i = 25; i < 40; i++) feed(i);
        const lowCount = 25 * 2;
        expect(sent.slice(0, lowCount).map((s) => s.source)).toEqual(
            lowPackets.slice(0, lowCount).map((p) => p.payload),
        );
        expect(sent.slice(lowCount, lowCount + 25 * 4).map((s) => s.source)).toEqual(
            highPackets.slice(0, 100).map((p) => p.payload), // the replayed GOP
        );
        expect(sent.slice(lowCount + 100).map((s) => s.source)).toEqual(highPackets.slice(100).map((p) => p.payload));
        // one stream for the player: sequence numbers go up by one, across the source wrap too
        expect(consecutive(sent.map((s) => s.seq))).toBe(true);
        // timestamps never go back, and jump by the wall time between the last low and the first high packet
        const ts = sent.map((s) => s.ts);
        expect(ts.every((t, i) => i === 0 || (t - ts[i - 1]!) >>> 0 < 2 ** 31)).toBe(true);
        const atSwitch = (ts[lowCount]! - ts[lowCount - 1]!) >>> 0;
        expect(atSwitch).toBe(20 * 90); // 20 ms of 90 kHz ticks
        // after the replay, live high packets keep the layer's own spacing (3000 ticks a frame)
        expect((ts[lowCount + 100 + 4]! - ts[lowCount + 100]!) >>> 0).toBe(3000);
    });

    it('a switch to a layer without GOP keeps sending the old one until the new keyframe', () => {
        const { sent, forwarder } = setup();
        forwarder.switchTo(low, 0);
        const lowLive = lowPackets.slice(0, 20); // frames 0 … 9
        lowLive.forEach((p) => forwarder.onPacket(low, p, low.ingest(p, 0), 0));
        forwarder.switchTo(high, 330); // high has no GOP: its next keyframe is frame 30
        const before = sent.length;
        for (let i = 10; i < 31; i++) {
            for (const p of lowPackets.slice(i * 2, i * 2 + 2))
                forwarder.onPacket(low, p, low.ingest(p, i * 33), i * 33);
            for (const p of highPackets.slice(i * 4, i * 4 + 4))
                forwarder.onPacket(high, p, high.ingest(p, i * 33), i * 33);
        }
        const switched = sent.findIndex((s, i) => i >= before && s.source === highPackets[120]!.payload);
        expect(switched).toBe(before + 20 * 2 + 2); // low frames 10 … 30 went out first (frame 30 arrives first)
        expect(consecutive(sent.map((s) => s.seq))).toBe(true);
        expect(sent.slice(switched).every((s, i) => s.source === highPackets[120 + i]!.payload)).toBe(true);
        const step = (sent[switched]!.ts - sent[switched - 1]!.ts) >>> 0;
        expect(step).toBe(1); // the first high packet arrived right after the last low one
    });

    it('answers a PLI with the cached GOP at most once a second, and asks for a keyframe', () => {
        const { sent, forwarder, requests } = setup();
        lowPackets.forEach((p) => low.ingest(p, 0));
        forwarder.switchTo(low, 0);
        requests.length = 0;
        sent.length = 0;
        forwarder.pictureLost(500);
        expect(sent).toHaveLength(0); // the join replay was 500 ms ago
        forwarder.pictureLost(REPLAY_INTERVAL_MS + 1);
        expect(sent).toHaveLength(20);
        expect(sent[0]!.key).toBe(true);
        expect(requests).toEqual([
            { track: 1, urgent: false },
            { track: 1, urgent: false },
        ]);
    });

    it('players’ PLIs reach the publisher about once a second, however many players', () => {
        const plis: number[] = [];
        let now = 0;
        const publisher = new KeyframeRequester<Track>(() => plis.push(now));
        const players = Array.from({ length: 5 }, () => {
            const out = new Outbound({ send: () => undefined, resend: () => undefined }, 90_000);
            return new VideoForwarder(out, (t, urgent) => publisher.request(t, now, urgent));
        });
        lowPackets.forEach((p) => low.ingest(p, 0));
        for (const p of players) p.switchTo(low, 0);
        // under loss, each player sends a PLI every 100 ms for 5 s
        for (now = 0; now < 5000; now += 100) for (const p of players) p.pictureLost(now);
        expect(plis).toEqual([0, 1000, 2000, 3000, 4000]);
    });

    it('answers NACKs werift cannot: the start of a replayed GOP, with its original numbers', () => {
        const { sent, out, forwarder } = setup();
        const big = vp8Recording({ frames: 30, packetsPerFrame: 10, seq0: 7 }); // a 300-packet GOP
        big.forEach((p) => high.ingest(p, 0));
        forwarder.switchTo(high, 0);
        const keyframe = sent[0]!;
        const last = sent.at(-1)!;
        expect(out.nack([keyframe.seq, keyframe.seq + 1, last.seq], 20)).toBe(2);
        const resent = sent.filter((s) => s.how === 'resend');
        expect(resent.map((s) => [s.seq, s.ts, s.source])).toEqual([
            [keyframe.seq, keyframe.ts, keyframe.source],
            [sent[1]!.seq, sent[1]!.ts, sent[1]!.source],
        ]);
        expect(out.nack([keyframe.seq], 2000)).toBe(0); // too late to be of use
    });

    it('on a lossy link (the loss fault) lost packets keep their numbers and NACKs recover them', () => {
        const sent: Sent[] = [];
        const sink: RtpSink = {
            send: (p) => sent.push(describe_(p, 'send')),
            resend: (p) => sent.push(describe_(p, 'resend')),
        };
        // every third packet (and every third retransmission) is lost on the way
        let n = 0;
        const out = new Outbound(sink, 90_000, () => n++ % 3 !== 2);
        const forwarder = new VideoForwarder(out, () => undefined);
        forwarder.switchTo(low, 0);
        lowPackets.forEach((p) => forwarder.onPacket(low, p, low.ingest(p, 0), 0));
        // all 80 packets were numbered for the player; every third one (26) never reached it
        expect(sent[0]!.key).toBe(true);
        const first = sent[0]!.seq;
        const missing = Array.from({ length: 26 }, (_, i) => (first + 2 + 3 * i) & 0xffff);
        expect(sent.map((s) => s.seq)).toEqual(
            Array.from({ length: 80 }, (_, i) => (first + i) & 0xffff).filter((s) => !missing.includes(s)),
        );
        // the player NACKs them: the retransmissions cross the same link, two in three get through
        expect(out.nack(missing, 10)).toBe(17);
        const recovered = sent.filter((s) => s.how === 'resend').map((s) => s.seq);
        expect(recovered.every((s) => missing.includes(s))).toBe(true);
        const resentPackets = sent.filter((s) => s.how === 'resend');
        const original = (seq: number) => lowPackets[(seq - first) & 0xffff]!.payload;
        expect(resentPackets.every((s) => s.source === original(s.seq))).toBe(true);
        // and the player NACKs the rest again
        expect(
            out.nack(
                missing.filter((s) => !recovered.includes(s)),
                20,
            ),
        ).toBe(6);
    });
});
