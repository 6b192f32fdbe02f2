import { describe, expect, it } from 'vitest';
import { parseRenditions, streamInfoUrl } from '../../src/facades/streamInfo';
import { sortRenditions } from '../../src/policy/MultiBitrate';

describe('stream info', () => {
    it('builds the MistServer json_<stream>.js URL on the signaling host', () => {
        expect(streamInfoUrl({ endPoint: 'wss://media.example.com/webrtc/in+cam?x=1' })).toBe(
            'https://media.example.com/json_in%2Bcam.js',
        );
        expect(streamInfoUrl({ endPoint: '127.0.0.1:8080', streamName: 'a b' })).toBe(
            'http://127.0.0.1:8080/json_a%20b.js',
        );
        expect(streamInfoUrl({ endPoint: 'https://h/app/whep/cam' })).toBe('https://h/app/json_cam.js');
    });

    it('lists video renditions lightest first, leaving out tracks that cannot be ranked yet', () => {
        // A simulcast publisher just after it started: the top layer's size and bitrate are unknown.
        const info = {
            type: 'live',
            meta: {
                tracks: {
                    audio_opus_0: { idx: 0, type: 'audio', codec: 'opus' },
                    video_VP8_3: { idx: 3, type: 'video', codec: 'VP8' },
                    video_VP8_2: { idx: 2, type: 'video', width: 640, height: 360, bps: 60_000 },
                    video_VP8_1: { idx: 1, type: 'video', width: 320, height: 180, bps: 20_000 },
                },
            },
        };
        expect(parseRenditions(info).map((r) => r.track)).toEqual([1, 2]);
        expect(parseRenditions(info)[0]).toEqual({ track: 1, bitrate: 160_000, width: 320, height: 180 });
        expect(parseRenditions({ error: 'Stream is offline' })).toEqual([]);
        expect(parseRenditions('nonsense')).toEqual([]);
    });

    it('ranks by resolution when every rendition has one, even if measured bitrates disagree', () => {
        // A 720p layer still ramping up measures less than the 360p one.
        const ranked = sortRenditions([
            { track: 3, width: 1280, height: 720, bitrate: 150_000 },
            { track: 2, width: 640, height: 360, bitrate: 500_000 },
            { track: 1, width: 320, height: 180, bitrate: 120_000 },
        ]);
        expect(ranked.map((r) => r.track)).toEqual([1, 2, 3]);
        // Without sizes (a transcoded ladder described by bitrate only): by bitrate.
        expect(
            sortRenditions([
                { track: 5, bitrate: 2e6 },
                { track: 4, bitrate: 5e5 },
            ]).map((r) => r.track),
        ).toEqual([4, 5]);
    });
});
