import { describe, expect, it } from 'vitest';
import { qualityScore, toPlayerStats, toStreamerStats } from '../../src/policy/QualityScore';
import { normalizeStats, type ConnectionInfos } from '../../src/stats/connectionInfos';

describe('qualityScore', () => {
    it('is 100 for a perfect network and stays in [0, 100]', () => {
        expect(qualityScore({ packetLossPercent: 0 })).toBe(100);
        expect(
            qualityScore({
                packetLossPercent: 100,
                rttMs: 5000,
                jitterMs: 1000,
                freezesPerMinute: 30,
            }),
        ).toBe(0);
    });

    it('matches the documented formula on typical values', () => {
        expect(qualityScore({ packetLossPercent: 0, rttMs: 40, jitterMs: 5 })).toBe(99);
        expect(qualityScore({ packetLossPercent: 10, rttMs: 40 })).toBe(56);
        // Long delay switches to the steeper branch: d = 200 + 40 + 10 = 250 → R = 93.2 − 13 = 80.2
        expect(qualityScore({ packetLossPercent: 0, rttMs: 400, jitterMs: 20 })).toBe(86);
        // Two freezes per minute: −30
        expect(qualityScore({ packetLossPercent: 0, freezesPerMinute: 2 })).toBe(70);
        expect(qualityScore({ packetLossPercent: 0, freezesPerMinute: 100 })).toBe(40); // freeze penalty capped at 60
    });

    it('ranks a good, a fair and a bad network in that order', () => {
        const good = qualityScore({ packetLossPercent: 0.1, rttMs: 30, jitterMs: 3 });
        const fair = qualityScore({ packetLossPercent: 3, rttMs: 120, jitterMs: 25 });
        const bad = qualityScore({
            packetLossPercent: 12,
            rttMs: 400,
            jitterMs: 80,
            freezesPerMinute: 3,
        });
        expect(good).toBeGreaterThan(95);
        expect(fair).toBeGreaterThan(50);
        expect(fair).toBeLessThan(good);
        expect(bad).toBeLessThan(20);
    });

    it('is monotonic in each degradation', () => {
        const base = { packetLossPercent: 1, rttMs: 50, jitterMs: 10, freezesPerMinute: 0 };
        let previous = Infinity;
        for (let loss = 0; loss <= 30; loss += 0.5) {
            const score = qualityScore({ ...base, packetLossPercent: loss });
            expect(score).toBeLessThanOrEqual(previous);
            previous = score;
        }
        expect(previous).toBeLessThan(qualityScore(base));
        previous = Infinity;
        for (let rtt = 0; rtt <= 2000; rtt += 50) {
            const score = qualityScore({ ...base, rttMs: rtt });
            expect(score).toBeLessThanOrEqual(previous);
            previous = score;
        }
        expect(qualityScore({ ...base, jitterMs: 200 })).toBeLessThan(qualityScore(base));
        expect(qualityScore({ ...base, freezesPerMinute: 1 })).toBeLessThan(qualityScore(base));
    });

    it('ignores missing, negative or non-finite inputs instead of returning NaN', () => {
        expect(qualityScore({ packetLossPercent: NaN, rttMs: NaN, jitterMs: Infinity, freezesPerMinute: -1 })).toBe(
            100,
        );
        expect(Number.isInteger(qualityScore({ packetLossPercent: 3.3, rttMs: 77 }))).toBe(true);
    });
});

/** A realistic player sample: 720p VP8 + Opus, as the normaliser produces it from Chrome's getStats. */
function playerInfos(
    overrides: { timestamp?: number; loss?: number; freezes?: number; freezesPerMinute?: number } = {},
): ConnectionInfos {
    return {
        timestamp: overrides.timestamp ?? 61_000,
        inbound: {
            audio: {
                bitrate: 48_600,
                packetsReceived: 3010,
                packetsLost: 2,
                lossPercent: 0,
                jitter: 0.004,
                nackCount: 0,
                jitterBufferDelay: 0.06,
                codec: 'OPUS',
            },
            video: {
                bitrate: 1_843_200,
                packetsReceived: 10_420,
                packetsLost: 35,
                lossPercent: overrides.loss ?? 0.4,
                jitter: 0.012,
                nackCount: 41,
                framesPerSecond: 29.97,
                framesDecoded: 1798,
                frameWidth: 1280,
                frameHeight: 720,
                freezeCount: overrides.freezes ?? 1,
                freezesPerMinute: overrides.freezesPerMinute ?? 0,
                totalFreezesDuration: 0.4,
                jitterBufferDelay: 0.087,
                codec: 'VP8',
            },
        },
        outbound: {},
        rtt: 0.032,
        availableIncomingBitrate: 4_200_000,
    };
}

describe('toPlayerStats', () => {
    it('summarises a realistic sample', () => {
        const stats = toPlayerStats(playerInfos(), { rendition: 2, playbackRate: 'auto' });
        expect(stats).toEqual({
            timestamp: 61_000,
            bitrate: 1_891_800,
            videoBitrate: 1_843_200,
            audioBitrate: 48_600,
            fps: 29.97,
            width: 1280,
            height: 720,
            packetLossPercent: 0.4,
            jitterMs: 12,
            rttMs: 32,
            jitterBufferMs: 87,
            // jitter buffer + RTT / 2
            latencyMs: 87 + 16,
            buffering: false,
            freezeCount: 1,
            stallCount: 1,
            stallDurationMs: 400, // totalFreezesDuration 0.4 s
            playbackRate: 'auto',
            rendition: 2,
            videoCodec: 'VP8',
            audioCodec: 'OPUS',
            quality: qualityScore({ packetLossPercent: 0.4, jitterMs: 12, rttMs: 32 }),
        });
        expect(stats.quality).toBeGreaterThan(90);
    });

    it('says buffering when video arrives but no frame was decoded in the interval', () => {
        const infos = playerInfos();
        infos.inbound.video!.framesPerSecond = 0;
        expect(toPlayerStats(infos).buffering).toBe(true);
        expect(toPlayerStats(playerInfos()).buffering).toBe(false);
    });

    it('reports the worse loss of audio and video', () => {
        const infos = playerInfos({ loss: 0 });
        infos.inbound.audio!.lossPercent = 7;
        expect(toPlayerStats(infos).packetLossPercent).toBe(7);
        expect(toPlayerStats(playerInfos({ loss: 18 })).packetLossPercent).toBe(18);
        expect(toPlayerStats(playerInfos({ loss: 18 })).quality).toBeLessThan(40);
    });

    it('penalises the freezes of the last interval, per minute', () => {
        const calm = toPlayerStats(playerInfos({ freezes: 1 }));
        const frozen = toPlayerStats(playerInfos({ freezes: 2, freezesPerMinute: 60 }));
        expect(calm.quality).toBeGreaterThan(90);
        expect(frozen.quality).toBeLessThanOrEqual(calm.quality - 50); // 60 freezes/min → capped 60-point penalty
        expect(frozen.freezeCount).toBe(2);
    });

    it('handles an audio-only session and a sample before any media', () => {
        const audioOnly: ConnectionInfos = { ...playerInfos(), inbound: { audio: playerInfos().inbound.audio } };
        const a = toPlayerStats(audioOnly);
        expect(a).toMatchObject({ videoBitrate: 0, fps: 0, width: 0, height: 0, freezeCount: 0, jitterBufferMs: 60 });
        expect(a.bitrate).toBe(48_600);
        expect(a.quality).toBeGreaterThan(90);
        expect(a.videoCodec).toBeUndefined();

        const empty = toPlayerStats({ timestamp: 5, inbound: {}, outbound: {} });
        expect(empty).toMatchObject({
            bitrate: 0,
            packetLossPercent: 0,
            jitterMs: 0,
            jitterBufferMs: 0,
            rendition: undefined,
        });
        expect('rttMs' in empty).toBe(false);
    });

    it('works end to end from raw Chrome getStats entries', () => {
        const raw = (t: number, bytes: number, received: number, lost: number, freezes: number) => [
            { id: 'T01', type: 'transport', timestamp: t, selectedCandidatePairId: 'CP1' },
            {
                id: 'CP1',
                type: 'candidate-pair',
                timestamp: t,
                state: 'succeeded',
                nominated: true,
                currentRoundTripTime: 0.045,
            },
            { id: 'CIT01_96', type: 'codec', timestamp: t, mimeType: 'video/H264' },
            {
                id: 'IT01V',
                type: 'inbound-rtp',
                kind: 'video',
                timestamp: t,
                codecId: 'CIT01_96',
                bytesReceived: bytes,
                packetsReceived: received,
                packetsLost: lost,
                jitter: 0.02,
                nackCount: 10,
                framesPerSecond: 25,
                framesDecoded: 500,
                frameWidth: 854,
                frameHeight: 480,
                freezeCount: freezes,
                totalFreezesDuration: 0,
                jitterBufferDelay: 40,
                jitterBufferEmittedCount: 500,
            },
        ];
        const before = raw(10_000, 1_000_000, 1000, 0, 0);
        const after = raw(11_000, 1_125_000, 1095, 5, 0);
        const infos = normalizeStats(after, { timestamp: 10_000, stats: before }, 11_000);
        const stats = toPlayerStats(infos, { rendition: 1 });
        expect(stats).toMatchObject({
            bitrate: 1_000_000,
            videoBitrate: 1_000_000,
            packetLossPercent: 5,
            jitterMs: 20,
            rttMs: 45,
            width: 854,
            height: 480,
            fps: 25,
            videoCodec: 'H264',
            rendition: 1,
        });
        expect(stats.quality).toBe(qualityScore({ packetLossPercent: 5, jitterMs: 20, rttMs: 45 }));
        // One freeze in that second: 60 freezes per minute, the capped 60-point penalty.
        const frozen = normalizeStats(raw(11_000, 1_125_000, 1095, 5, 1), { timestamp: 10_000, stats: before }, 11_000);
        expect(toPlayerStats(frozen).quality).toBe(Math.max(0, stats.quality - 60));
    });
});

describe('toStreamerStats', () => {
    const publisher: ConnectionInfos = {
        timestamp: 30_000,
        inbound: {},
        outbound: {
            audio: {
                bitrate: 64_200,
                packetsSent: 1500,
                packetsLost: 0,
                lossPercent: 0,
                jitter: 0.002,
                nackCount: 0,
                codec: 'OPUS',
            },
            video: {
                bitrate: 2_412_000,
                packetsSent: 7200,
                packetsLost: 12,
                lossPercent: 1.2,
                jitter: 0.006,
                nackCount: 9,
                framesPerSecond: 30,
                frameWidth: 1920,
                frameHeight: 1080,
                qualityLimitationReason: 'bandwidth',
                targetBitrate: 2_500_000,
                codec: 'H264',
            },
        },
        rtt: 0.058,
        availableOutgoingBitrate: 2_700_000,
    };

    it('summarises a realistic publisher sample', () => {
        const stats = toStreamerStats(publisher, { targetBitrate: 2_500_000 });
        expect(stats).toEqual({
            timestamp: 30_000,
            bitrate: 2_476_200,
            videoBitrate: 2_412_000,
            audioBitrate: 64_200,
            fps: 30,
            width: 1920,
            height: 1080,
            packetLossPercent: 1.2,
            rttMs: 58,
            qualityLimitationReason: 'bandwidth',
            targetBitrate: 2_500_000,
            videoCodec: 'H264',
            audioCodec: 'OPUS',
            quality: qualityScore({ packetLossPercent: 1.2, jitterMs: 6, rttMs: 58 }),
        });
        expect(stats.quality).toBeGreaterThan(85);
    });

    it('carries the encoder limitation, the sent frame rate and the target bitrate', () => {
        const cpu: ConnectionInfos = structuredClone(publisher);
        cpu.outbound.video!.framesPerSecond = 9;
        cpu.outbound.video!.qualityLimitationReason = 'cpu';
        const stats = toStreamerStats(cpu, { targetBitrate: 1_000_000 });
        expect(stats.qualityLimitationReason).toBe('cpu');
        expect(stats.fps).toBe(9);
        expect(stats.targetBitrate).toBe(1_000_000);
    });

    it('handles a publisher without video and without RTT', () => {
        const audioOnly: ConnectionInfos = { timestamp: 1, inbound: {}, outbound: { audio: publisher.outbound.audio } };
        const stats = toStreamerStats(audioOnly, { targetBitrate: 0 });
        expect(stats).toMatchObject({ bitrate: 64_200, videoBitrate: 0, fps: 0, width: 0, packetLossPercent: 0 });
        expect('rttMs' in stats).toBe(false);
        expect('qualityLimitationReason' in stats).toBe(false);
    });
});
