import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_METADATA_TRACKS, Metadata } from '../../src/metadata/Metadata';
import { MAX_METADATA_LENGTH, readStreamDocument } from '../../src/metadata/streamDocument';
import { streamStateOf } from '../../src/metadata/streamState';
import { MIST_LIVE, MIST_OFFLINE, NON_INTEGER_INDEXES, manyTracks } from '../fixtures/metadata';

afterEach(() => vi.restoreAllMocks());

describe('Metadata: a MistServer document', () => {
    const metadata = Metadata.from(MIST_LIVE);

    it('reads every track by index with its kind, codec, bitrate (bits/s), size, rate and language', () => {
        expect(metadata.type).toBe('live');
        expect([...metadata.tracks.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(metadata.track(1)).toEqual({
            index: 1,
            kind: 'video',
            codec: 'H264',
            name: 'video_H264_1280x720_25fps_1',
            bps: 2_500_000,
            maxbps: 3_200_000,
            width: 1280,
            height: 720,
            fps: 25,
        });
        expect(metadata.track(2)).toEqual({
            index: 2,
            kind: 'audio',
            codec: 'AAC',
            name: 'audio_AAC_2ch_48000hz_2',
            bps: 128_000,
            channels: 2,
            rate: 48_000,
            language: 'eng',
        });
        expect(metadata.track(6)).toMatchObject({ kind: 'data', codec: 'JSON' });
        expect(metadata.track(99)).toBeUndefined();
        expect(metadata.dropped).toBe(0);
    });

    it('lists audio, video and data tracks lightest first', () => {
        expect(metadata.videos.map((t) => t.index)).toEqual([5, 4, 1]);
        expect(metadata.audios.map((t) => t.index)).toEqual([3, 2]);
        expect(metadata.datas.map((t) => t.index)).toEqual([6, 7]);
    });

    it('subset(codecs) keeps the audio and video the codecs decode (any case), and every data track', () => {
        const subset = metadata.subset(['h264', 'OPUS']);
        expect(subset.videos.map((t) => t.index)).toEqual([4, 1]);
        expect(subset.audios.map((t) => t.index)).toEqual([3]);
        expect(subset.datas.map((t) => t.index)).toEqual([6, 7]);
        expect(metadata.videos).toHaveLength(3); // the original is unchanged
    });

    it('gives the video renditions lightest first, leaving out tracks that cannot be ranked yet', () => {
        const ramping = Metadata.from({
            meta: {
                tracks: {
                    a: { idx: 3, type: 'video', codec: 'VP8' }, // a simulcast layer's size is known at its first keyframe
                    b: { idx: 2, type: 'video', codec: 'VP8', width: 640, height: 360, bps: 60_000 },
                    c: { idx: 1, type: 'video', codec: 'VP8', width: 320, height: 180, bps: 20_000 },
                },
            },
        });
        expect(ramping.renditions).toEqual([
            { track: 1, bitrate: 160_000, width: 320, height: 180 },
            { track: 2, bitrate: 480_000, width: 640, height: 360 },
        ]);
        // Computed once: the same frozen list each time.
        expect(ramping.renditions).toBe(ramping.renditions);
        expect(Object.isFrozen(ramping.renditions)).toBe(true);
    });

    it('ranks renditions by resolution when every one has it, even if measured bitrates disagree', () => {
        // A 720p layer still ramping up measures less than the 360p one.
        const layers = Metadata.from({
            meta: {
                tracks: {
                    h: { idx: 3, type: 'video', codec: 'VP8', width: 1280, height: 720, bps: 18_750 },
                    m: { idx: 2, type: 'video', codec: 'VP8', width: 640, height: 360, bps: 62_500 },
                    l: { idx: 1, type: 'video', codec: 'VP8', width: 320, height: 180, bps: 15_000 },
                },
            },
        });
        expect(layers.renditions.map((r) => r.track)).toEqual([1, 2, 3]);
        // Without sizes (a transcoded ladder described by bitrate only): by bitrate.
        const ladder = Metadata.from({
            meta: {
                tracks: {
                    a: { idx: 5, type: 'video', codec: 'H264', bps: 250_000 },
                    b: { idx: 4, type: 'video', codec: 'H264', bps: 62_500 },
                },
            },
        });
        expect(ladder.renditions.map((r) => r.track)).toEqual([4, 5]);
    });

    it('anything that is no document reads as a stream without tracks', () => {
        for (const doc of [null, 'text', 42, [], { meta: [] }, { meta: { tracks: 'x' } }]) {
            expect(Metadata.from(doc).tracks.size).toBe(0);
        }
    });
});

describe('Metadata: hostile documents are harmless', () => {
    it('non-integer, negative, huge and non-numeric indexes are dropped; a repeated index is ignored', () => {
        const metadata = Metadata.from(NON_INTEGER_INDEXES);
        expect([...metadata.tracks.keys()].sort()).toEqual([0, 1, 2]);
        expect(metadata.renditions.map((r) => r.track)).toEqual([1, 2]);
        expect(metadata.track(0)?.bps).toBe(32_000); // the first entry of index 0, not the later one
        expect(metadata.dropped).toBe(6);
        for (const track of metadata.tracks.values()) expect(Number.isInteger(track.index)).toBe(true);
    });

    it('fields of the wrong type or range are left out; an unknown type or no codec drops the track', () => {
        const metadata = Metadata.from({
            meta: {
                tracks: {
                    v: { idx: 1, type: 'video', codec: 'VP8', width: -5, height: 'big', bps: Infinity, fpks: 'x' },
                    w: { idx: 2, type: 'video', codec: 'VP8', width: 1e9, height: 1e9, bps: -1 },
                    x: { idx: 3, type: 'hologram', codec: 'VP8' },
                    y: { idx: 4, type: 'video' },
                    z: { idx: 5, type: 'video', codec: 'C'.repeat(65) },
                    l: { idx: 6, type: 'audio', codec: 'opus', lang: 'x'.repeat(1000), channels: -2 },
                },
            },
        });
        expect(metadata.track(1)).toEqual({ index: 1, kind: 'video', codec: 'VP8', name: 'v' });
        expect(metadata.track(2)).toEqual({ index: 2, kind: 'video', codec: 'VP8', name: 'w' });
        expect(metadata.track(6)).toEqual({ index: 6, kind: 'audio', codec: 'opus', name: 'l' });
        expect([...metadata.tracks.keys()].sort()).toEqual([1, 2, 6]);
    });

    it('a document with 40,000 tracks reads 256 of them: the work is bounded, whatever the count', () => {
        const doc = manyTracks(40_000);
        // Count every entry the reader touches, and every comparison the sorts make.
        let entriesRead = 0;
        const tracks = new Proxy(doc.meta.tracks, {
            get(target, key, receiver) {
                entriesRead++;
                return Reflect.get(target, key, receiver) as unknown;
            },
        });
        let comparisons = 0;
        const sort = Array.prototype.sort;
        vi.spyOn(Array.prototype, 'sort').mockImplementation(function <T>(this: T[], compare?: (a: T, b: T) => number) {
            return sort.call(this, (a: T, b: T) => {
                comparisons++;
                return compare ? compare(a, b) : String(a) < String(b) ? -1 : 1;
            }) as T[];
        });
        const metadata = Metadata.from({ ...doc, meta: { tracks } });
        const renditions = metadata.renditions;
        vi.restoreAllMocks();
        expect(metadata.tracks.size).toBe(MAX_METADATA_TRACKS);
        expect(renditions).toHaveLength(MAX_METADATA_TRACKS);
        expect(metadata.dropped).toBe(40_000 - MAX_METADATA_TRACKS);
        expect(entriesRead).toBe(MAX_METADATA_TRACKS);
        // Two sorts of 256 items (the video list, the renditions), n log n each: far from 40,000².
        const n = MAX_METADATA_TRACKS;
        expect(comparisons).toBeLessThanOrEqual(2 * 2 * n * Math.log2(n));
        // Asking again sorts nothing.
        comparisons = 0;
        void metadata.renditions;
        void metadata.videos;
        expect(comparisons).toBe(0);
    });

    it('maxTracks lowers the bound', () => {
        expect(Metadata.from(manyTracks(100), { maxTracks: 10 }).tracks.size).toBe(10);
    });
});

describe('readStreamDocument', () => {
    it('a document with tracks is online; one with an error text is the state it names', () => {
        const online = readStreamDocument(JSON.stringify(MIST_LIVE));
        expect(online).toMatchObject({ state: 'online' });
        expect(readStreamDocument(JSON.stringify(MIST_OFFLINE))).toEqual({
            state: 'offline',
            reason: 'Stream is offline',
        });
        expect(readStreamDocument('{"error":"Stream is waiting for data"}')).toMatchObject({ state: 'waitingForData' });
    });

    it('refuses a text over 1 MiB without parsing it (the issue’s 3 MB document)', () => {
        const text = JSON.stringify(manyTracks(40_000));
        expect(text.length).toBeGreaterThan(MAX_METADATA_LENGTH);
        const parse = vi.spyOn(JSON, 'parse');
        expect(readStreamDocument(text)).toBe(`document over ${MAX_METADATA_LENGTH} characters`);
        expect(parse).not.toHaveBeenCalled();
    });

    it('says why a frame is no document', () => {
        expect(readStreamDocument(new ArrayBuffer(1))).toBe('binary frame');
        expect(readStreamDocument('{"meta":')).toBe('malformed JSON');
        expect(readStreamDocument('[]')).toBe('not an object');
        expect(readStreamDocument('"live"')).toBe('not an object');
    });
});

describe('streamStateOf: MistServer’s texts', () => {
    it.each([
        ['Stream is offline', 'offline'],
        ['Stream is shutting down', 'offline'],
        ['Stream is initializing', 'initializing'],
        ['Stream is booting', 'booting'],
        ['Stream is waiting for data', 'waitingForData'],
        ['Could not retrieve stream. Sorry.', 'error'],
        ['Stream status is unknown?!', 'error'],
        ['', 'error'],
    ])('%j → %s', (text, state) => {
        expect(streamStateOf(text)).toBe(state);
    });
});
