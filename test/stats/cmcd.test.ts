import { describe, expect, it } from 'vitest';
import type { PlayerStats } from '../../src/policy/QualityScore';
import { formatCmcd, toCmcd } from '../../src/stats/cmcd';

const STATS: PlayerStats = {
    timestamp: 1,
    bitrate: 1_891_800,
    videoBitrate: 1_843_200,
    audioBitrate: 48_600,
    fps: 30,
    width: 1280,
    height: 720,
    packetLossPercent: 0,
    jitterMs: 5,
    jitterBufferMs: 87,
    latencyMs: 100,
    buffering: false,
    freezeCount: 0,
    stallCount: 0,
    stallDurationMs: 0,
    rendition: 2,
    quality: 98,
};

describe('toCmcd', () => {
    it('maps the stats to CTA-5004 keys in their units and rounding', () => {
        expect(toCmcd(STATS, { sessionId: 's-1', contentId: 'live+cam1' })).toEqual({
            br: 1843, // kbps
            bl: 100, // ms, to 100 ms
            mtp: 1900, // kbps, to 100 kbps
            sid: 's-1',
            cid: 'live+cam1',
            st: 'l',
            sf: 'o',
            ot: 'av',
        });
    });

    it('flags starvation while buffering, and a playback rate other than 1', () => {
        const data = toCmcd({ ...STATS, buffering: true, playbackRate: 1.5 });
        expect(data.bs).toBe(true);
        expect(data.pr).toBe(1.5);
        expect(toCmcd({ ...STATS, playbackRate: 'auto' }).pr).toBeUndefined();
    });
});

describe('formatCmcd', () => {
    it('writes sorted key=value pairs, strings quoted, true booleans as the key alone', () => {
        expect(formatCmcd({ br: 1800, bs: true, cid: 'cam "1"', st: 'l', sf: 'o', ot: 'av' })).toBe(
            'br=1800,bs,cid="cam \\"1\\"",ot=av,sf=o,st=l',
        );
    });
});
