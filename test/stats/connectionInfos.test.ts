import { describe, expect, it } from 'vitest';
import { normalizeStats } from '../../src/stats/connectionInfos';
import {
    PLAYER_SAMPLE_0,
    PLAYER_SAMPLE_1,
    PUBLISHER_SAMPLE_0,
    PUBLISHER_SAMPLE_1,
    PUBLISHER_SAMPLE_1_H_PAUSED,
    T0,
    T1,
} from '../fixtures/stats';

const asMap = (stats: { id: string }[]) => new Map(stats.map((s) => [s.id, s]));

describe('normalizeStats: the report', () => {
    it('reads an RTCStatsReport-like Map and a plain array alike', () => {
        const fromMap = normalizeStats(asMap(PLAYER_SAMPLE_1) as unknown as RTCStatsReport, {}, T1);
        expect(fromMap.inbound.video?.packetsReceived).toBe(10190);
        expect(normalizeStats(PLAYER_SAMPLE_1, {}, T1)).toEqual(fromMap);
    });

    it('skips values that are not stats', () => {
        const mixed = [null, 1, 'x', { id: 'a', kind: 'video' }, ...PLAYER_SAMPLE_1];
        expect(normalizeStats(mixed, {}, T1)).toEqual(normalizeStats(PLAYER_SAMPLE_1, {}, T1));
    });

    it('replaces the previous sample it was given with this one', () => {
        const previous = {};
        normalizeStats(PLAYER_SAMPLE_0, previous, T0);
        expect(previous).toEqual({ timestamp: T0, stats: PLAYER_SAMPLE_0 });
        expect(normalizeStats(PLAYER_SAMPLE_1, previous, T1)).toEqual(
            normalizeStats(PLAYER_SAMPLE_1, { timestamp: T0, stats: PLAYER_SAMPLE_0 }, T1),
        );
    });
});

describe('normalizeStats: player (inbound)', () => {
    const infos = normalizeStats(PLAYER_SAMPLE_1, { timestamp: T0, stats: PLAYER_SAMPLE_0 }, T1);

    it('stamps the summary with the given time', () => {
        expect(infos.timestamp).toBe(T1);
        expect(normalizeStats(PLAYER_SAMPLE_1, {}, 42).timestamp).toBe(42);
    });

    it('computes the bitrate from two samples', () => {
        expect(infos.inbound.audio?.bitrate).toBe(32_000);
        expect(infos.inbound.video?.bitrate).toBe(2_000_000);
    });

    it('computes the loss percentage over the interval', () => {
        expect(infos.inbound.audio?.lossPercent).toBe(0);
        expect(infos.inbound.video?.lossPercent).toBeCloseTo(5, 10);
        expect(infos.inbound.video?.packetsLost).toBe(30);
        expect(infos.inbound.video?.packetsReceived).toBe(10190);
    });

    it('computes the average jitter-buffer delay over the interval (seconds)', () => {
        expect(infos.inbound.audio?.jitterBufferDelay).toBeCloseTo(0.08, 10);
        expect(infos.inbound.video?.jitterBufferDelay).toBeCloseTo(0.1, 10);
    });

    it('reports video frames, freezes, NACKs, jitter and the codec', () => {
        expect(infos.inbound.video).toMatchObject({
            framesPerSecond: 30,
            framesDecoded: 1500,
            frameWidth: 1280,
            frameHeight: 720,
            freezeCount: 2,
            totalFreezesDuration: 0.85,
            nackCount: 15,
            jitter: 0.011,
            codec: 'VP8',
        });
        expect(infos.inbound.audio).toMatchObject({ jitter: 0.003, codec: 'OPUS' });
        expect(infos.inbound.audio?.freezeCount).toBeUndefined();
    });

    it('computes the NACK and freeze rates over the interval (0 on the first sample and after a counter reset)', () => {
        expect(infos.inbound.video).toMatchObject({ nackRate: 3, freezesPerMinute: 60 });
        expect(normalizeStats(PLAYER_SAMPLE_0, {}, T0).inbound.video).toMatchObject({
            nackRate: 0,
            freezesPerMinute: 0,
        });
        const reset = normalizeStats(PLAYER_SAMPLE_0, { timestamp: T0 - 1000, stats: PLAYER_SAMPLE_1 }, T0);
        expect(reset.inbound.video).toMatchObject({ nackRate: 0, freezesPerMinute: 0 });
        expect(infos.inbound.audio?.freezesPerMinute).toBeUndefined();
    });

    it('takes the RTT and bandwidth estimate from the selected candidate pair, not another succeeded one', () => {
        expect(infos.rtt).toBe(0.012);
        expect(infos.availableOutgoingBitrate).toBe(300000);
        expect(infos.availableIncomingBitrate).toBeUndefined();
    });

    it('finds the selected pair by its flags when there is no transport stat (Firefox)', () => {
        const noTransport = PLAYER_SAMPLE_1.filter((s) => s.type !== 'transport');
        expect(normalizeStats(noTransport, {}, T1).rtt).toBe(0.012);
    });

    it('has no outbound media', () => {
        expect(infos.outbound).toEqual({});
    });

    it('on the first sample: bitrate 0, loss and delay from the totals', () => {
        const first = normalizeStats(PLAYER_SAMPLE_0, {}, T0);
        expect(first.timestamp).toBe(T0);
        expect(first.inbound.video?.bitrate).toBe(0);
        expect(first.inbound.audio?.bitrate).toBe(0);
        expect(first.inbound.video?.lossPercent).toBeCloseTo((20 / 10020) * 100, 10);
        expect(first.inbound.audio?.jitterBufferDelay).toBeCloseTo(0.06, 10);
        expect(first.inbound.video?.jitterBufferDelay).toBeCloseTo(0.06, 10);
    });

    it('is pure: the same inputs give the same output', () => {
        expect(normalizeStats(PLAYER_SAMPLE_1, { timestamp: T0, stats: PLAYER_SAMPLE_0 }, T1)).toEqual(infos);
    });

    it('counter resets (a new receiver) give 0 bitrate, never a negative one', () => {
        const reset = normalizeStats(PLAYER_SAMPLE_0, { timestamp: T0 - 1000, stats: PLAYER_SAMPLE_1 }, T0);
        expect(reset.inbound.video?.bitrate).toBe(0);
        expect(reset.inbound.video?.lossPercent).toBeGreaterThanOrEqual(0);
        expect(reset.inbound.video?.lossPercent).toBeLessThanOrEqual(100);
    });

    it('clamps a negative packetsLost (duplicates) to 0', () => {
        const dup = PLAYER_SAMPLE_0.map((s) => (s.type === 'inbound-rtp' ? { ...s, packetsLost: -2 } : s));
        const r = normalizeStats(dup, {}, T0);
        expect(r.inbound.audio?.packetsLost).toBe(0);
        expect(r.inbound.audio?.lossPercent).toBe(0);
    });

    it('an empty report gives an empty summary', () => {
        expect(normalizeStats([], {}, 5)).toEqual({ timestamp: 5, inbound: {}, outbound: {} });
    });
});

describe('normalizeStats: simulcast publisher (outbound)', () => {
    const infos = normalizeStats(PUBLISHER_SAMPLE_1, { timestamp: T0, stats: PUBLISHER_SAMPLE_0 }, T1);

    it('sums the bitrate and packets of the simulcast layers', () => {
        expect(infos.outbound.video?.bitrate).toBe(3_400_000);
        expect(infos.outbound.video?.packetsSent).toBe(1530 + 3600 + 9300);
        expect(infos.outbound.video?.targetBitrate).toBe(3_400_000);
        expect(infos.outbound.video?.nackCount).toBe(1 + 2 + 4);
        expect(infos.outbound.video?.packetsLost).toBe(1 + 2 + 5);
    });

    it('reports the largest layer’s frame size and rate', () => {
        expect(infos.outbound.video).toMatchObject({
            frameWidth: 1280,
            frameHeight: 720,
            framesPerSecond: 29,
            qualityLimitationReason: 'none',
            codec: 'VP8',
        });
    });

    it('reports the worst layer’s RTCP loss fraction, in percent', () => {
        expect(infos.outbound.video?.lossPercent).toBeCloseTo(1.96, 2);
    });

    it('reports audio from its outbound-rtp and remote-inbound-rtp', () => {
        expect(infos.outbound.audio).toEqual({
            bitrate: 32_000,
            packetsSent: 2450,
            packetsLost: 0,
            lossPercent: 0,
            jitter: 0.002,
            nackCount: 0,
            codec: 'OPUS',
        });
    });

    it('takes the RTT and available outgoing bitrate from the selected pair', () => {
        expect(infos.rtt).toBe(0.015);
        expect(infos.availableOutgoingBitrate).toBe(3_800_000);
    });

    it('has no inbound media', () => {
        expect(infos.inbound).toEqual({});
    });

    it('a paused top layer: its frames are absent and its bitrate 0, whatever the report order', () => {
        const paused = normalizeStats(PUBLISHER_SAMPLE_1_H_PAUSED, { timestamp: T0, stats: PUBLISHER_SAMPLE_0 }, T1);
        expect(paused.outbound.video).toMatchObject({
            bitrate: 900_000,
            frameWidth: 640,
            frameHeight: 360,
            framesPerSecond: 30,
            qualityLimitationReason: 'bandwidth',
            targetBitrate: 900_000,
        });
    });

    it('the order of the layers in the report does not change the summary', () => {
        const reversed = normalizeStats(
            [...PUBLISHER_SAMPLE_1].reverse(),
            {
                timestamp: T0,
                stats: PUBLISHER_SAMPLE_0,
            },
            T1,
        );
        expect(reversed.outbound.video).toEqual(infos.outbound.video);
    });
});
