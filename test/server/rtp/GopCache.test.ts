// The GOP cache of a video layer and the track that fills it, on recorded VP8 packet runs.
import { describe, expect, it } from 'vitest';
import { Track } from '../../../demo/server/relay/Track.ts';
import { GopCache, MAX_GOP_PACKETS } from '../../../demo/server/rtp/GopCache.ts';
import { rtp, vp8Payload, vp8Recording } from '../helpers.ts';

const vp8 = { pt: 96, name: 'VP8', clockRate: 90_000, fmtp: '' };

describe('GOP cache (through Track.ingest)', () => {
    it('holds the packets since the last keyframe, in arrival order', () => {
        const track = new Track(1, 'video', vp8, '1');
        const packets = vp8Recording({ frames: 45, packetsPerFrame: 3, gop: 30 }); // keyframes at frames 0, 30
        const keys = packets.map((p, i) => (track.ingest(p, i) ? i : -1)).filter((i) => i >= 0);
        expect(keys).toEqual([0, 90]); // one per keyframe, on its first packet only
        expect(track.gop.size).toBe(15 * 3);
        expect(track.gop.packets[0]).toBe(packets[90]);
        expect(track.gop.packets.at(-1)).toBe(packets.at(-1));
        expect(track.gop.startedAt).toBe(90);
        expect({ width: track.width, height: track.height }).toEqual({ width: 640, height: 480 });
    });

    it('caches nothing before the first keyframe', () => {
        const track = new Track(1, 'video', vp8, '1');
        const packets = vp8Recording({ frames: 40, gop: 30 }).slice(3); // starts after the first keyframe
        packets.slice(0, 29 * 3).forEach((p, i) => track.ingest(p, i));
        expect(track.gop.size).toBe(0);
        expect(track.ingest(packets[29 * 3]!, 100)).toBe(true);
        expect(track.gop.size).toBe(1);
    });

    it('a late (reordered) packet of an old keyframe does not restart the GOP', () => {
        const track = new Track(1, 'video', vp8, '1');
        const packets = vp8Recording({ frames: 5, gop: 30 });
        packets.forEach((p, i) => track.ingest(p, i));
        const late = rtp(999, 90_000 - 3000, vp8Payload('key'));
        expect(track.ingest(late, 10)).toBe(false);
        expect(track.gop.packets[0]).toBe(packets[0]);
        expect(track.gop.size).toBe(packets.length + 1); // kept: the player may need it
    });

    it('a keyframe spread over several packets with the same timestamp starts one GOP', () => {
        const gop = new GopCache();
        expect(gop.keyframe(3000, 1)).toBe(true);
        gop.add(rtp(1, 3000, vp8Payload('key')));
        expect(gop.keyframe(3000, 2)).toBe(false);
        gop.add(rtp(2, 3000, vp8Payload('key')));
        expect(gop.size).toBe(2);
        expect(gop.startedAt).toBe(1);
    });

    it('drops a GOP that outgrows the limit (a publisher ignoring keyframe requests)', () => {
        const gop = new GopCache();
        gop.keyframe(0, 5);
        for (let i = 0; i < MAX_GOP_PACKETS; i++) gop.add(rtp(i, 0, vp8Payload('delta')));
        expect(gop.size).toBe(MAX_GOP_PACKETS);
        gop.add(rtp(MAX_GOP_PACKETS, 0, vp8Payload('delta')));
        expect(gop.size).toBe(0);
        expect(gop.startedAt).toBe(0);
        gop.add(rtp(MAX_GOP_PACKETS + 1, 0, vp8Payload('delta')));
        expect(gop.size).toBe(0); // until the next keyframe
    });

    it('audio tracks count packets but cache no GOP', () => {
        const audio = new Track(0, 'audio', { pt: 111, name: 'opus', clockRate: 48_000, channels: 2, fmtp: '' }, '0');
        expect(audio.ingest(rtp(1, 960, vp8Payload('key')), 0)).toBe(false);
        expect(audio.gop.size).toBe(0);
        expect(audio.info()).toMatchObject({ index: 0, kind: 'audio', codec: 'opus', packets: 1, active: true });
    });
});
