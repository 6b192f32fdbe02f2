import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Player } from '../../src/facades/Player';
import { StreamMetadata } from '../../src/metadata/StreamMetadata';
import type { Rendition, RenditionSelector } from '../../src/policy/MultiBitrate';
import type { FetchFunction } from '../../src/core/types';
import { FakeDataChannel } from '../fakes/FakeDataChannel';
import { FakePeerConnection, serverAnswer } from '../fakes/FakePeerConnection';
import { FakeWebSocket, defaultServer } from '../fakes/FakeWebSocket';
import { MIST_OFFLINE, NON_INTEGER_INDEXES, manyTracks } from '../fixtures/metadata';
import { fakeVideo } from '../fakes/media';
import { fakePlatform, silent } from '../fakes/platform';

const endPoint = 'ws://127.0.0.1:1';
const params = { endPoint, streamName: 'cam' };

const platform = fakePlatform;

function newPlayer(options: ConstructorParameters<typeof Player>[1] = {}) {
    return new Player(undefined, {
        logger: silent,
        statsIntervalMs: 0,
        ...options,
        connectorOptions: { ...platform, ...options.connectorOptions },
    });
}

const socketsOf = (path: string) => FakeWebSocket.instances.filter((s) => new URL(s.url).pathname === path);
/** The signaling socket of the latest session. */
const signaling = () => socketsOf('/webrtc/cam').at(-1)!;
/** The latest metadata socket. */
const metadataSocket = () => socketsOf('/json_cam.js').at(-1)!;
const tracksSent = () => signaling().sent.filter((m) => m.type === 'tracks');

/** A stream of VP8 and H264 renditions (the fake session negotiates VP8), two Opus tracks and two data tracks. */
const DOCUMENT = {
    type: 'live',
    meta: {
        tracks: {
            video_VP8_1: { idx: 1, type: 'video', codec: 'VP8', width: 1280, height: 720, bps: 250_000 },
            video_VP8_2: { idx: 2, type: 'video', codec: 'VP8', width: 320, height: 180, bps: 25_000 },
            video_H264_3: { idx: 3, type: 'video', codec: 'H264', width: 1920, height: 1080, bps: 500_000 },
            audio_opus_0: { idx: 0, type: 'audio', codec: 'opus', bps: 16_000 },
            audio_opus_4: { idx: 4, type: 'audio', codec: 'opus', bps: 4_000 },
            meta_JSON_6: { idx: 6, type: 'meta', codec: 'JSON' },
            meta_subtitle_7: { idx: 7, type: 'meta', codec: 'subtitle' },
        },
    },
};

/** Sets the inbound stats the next ticks read: `loss` percent of each second's packets lost. */
function feedStats(pc: FakePeerConnection, seconds: number, kind: 'audio' | 'video', loss: number) {
    const totals = (pc as unknown as { totals?: Record<string, number> }).totals ?? { received: 0, lost: 0 };
    (pc as unknown as { totals: Record<string, number> }).totals = totals;
    totals.received! += 100 * seconds;
    totals.lost! += loss * seconds;
    pc.stats = [
        {
            id: kind,
            type: 'inbound-rtp',
            kind,
            packetsReceived: totals.received,
            packetsLost: totals.lost,
            bytesReceived: totals.received! * 100,
            // Decoding video: not the Player's "no video frame decoded" failure.
            ...(kind === 'video' ? { framesDecoded: totals.received! / 4 } : {}),
        },
    ];
}

beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.reset();
    FakePeerConnection.reset();
});
afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
});

describe('Player: the stream metadata', () => {
    it('follows json_<stream>.js: metadata and streamState events and getters, renditions of the negotiated codec', async () => {
        const player = newPlayer();
        const states: string[] = [];
        const renditions: number[][] = [];
        player.on('streamState', (s) => states.push(s));
        player.on('renditions', (list) => renditions.push(list.map((r) => r.track)));
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        expect(metadataSocket().url).toBe('ws://127.0.0.1:1/json_cam.js');
        metadataSocket().serverSend(DOCUMENT);
        await vi.advanceTimersByTimeAsync(0);
        expect(player.metadata?.tracks.size).toBe(7);
        expect(player.streamState).toBe('online');
        // The session negotiated VP8: the H264 rendition cannot be switched to.
        expect(renditions).toEqual([[2, 1]]);
        expect(player.renditions.map((r) => r.track)).toEqual([2, 1]);
        metadataSocket().serverSend(MIST_OFFLINE);
        await vi.advanceTimersByTimeAsync(0);
        expect(states).toEqual(['online', 'offline']);
        player.stop();
        // Stopped: its metadata socket is closed, the getters are empty.
        expect(metadataSocket().readyState).toBeGreaterThanOrEqual(2);
        expect(player.metadata).toBeUndefined();
        expect(player.streamState).toBeUndefined();
    });

    it('hostile metadata is harmless: non-integer indexes never reach a command, pinning audio works, a reconnection starts again', async () => {
        vi.spyOn(Math, 'random').mockReturnValue(0.5);
        const player = newPlayer({ statsIntervalMs: 1000 });
        const starts = vi.fn();
        const rendition = vi.fn();
        player.on('start', starts);
        player.on('rendition', rendition);
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        metadataSocket().serverSend(NON_INTEGER_INDEXES);
        const pc = FakePeerConnection.instances[0]!;
        feedStats(pc, 1, 'video', 0);
        await vi.advanceTimersByTimeAsync(1000);
        // The only renditions are the valid ones: MBR picks one of them.
        expect(player.renditions.map((r) => r.track)).toEqual([1, 2]);
        expect(rendition.mock.calls.every(([track]) => track === 1 || track === 2)).toBe(true);
        expect(() => (player.audioTrack = 0)).not.toThrow();
        await vi.advanceTimersByTimeAsync(10);
        signaling().serverClose(1006);
        await vi.advanceTimersByTimeAsync(500);
        expect(starts).toHaveBeenCalledTimes(2);
        expect(player.state).toBe('playing');
        const sent = FakeWebSocket.instances.flatMap((s) => s.sent.filter((m) => m.type === 'tracks'));
        expect(sent.length).toBeGreaterThan(2);
        for (const message of sent) {
            expect(String(message.video)).toMatch(/^(\d+|auto|none)$/);
            if (message.audio !== undefined) expect(message.audio).toBe('0');
        }
        player.stop();
    });

    it('a document with thousands of tracks costs one bounded read; the stats ticks sort nothing', async () => {
        const seen: (readonly Rendition[])[] = [];
        const selector: RenditionSelector = {
            decide: (_sample, renditions) => {
                seen.push(renditions);
                return renditions[0]?.track;
            },
            reset: () => undefined,
        };
        const player = newPlayer({ statsIntervalMs: 1000, mbr: selector });
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        // ~0.5 MB: under the size cap, far over the track cap.
        metadataSocket().serverSend(manyTracks(5000));
        await vi.advanceTimersByTimeAsync(0);
        const pc = FakePeerConnection.instances[0]!;
        const sort = vi.spyOn(Array.prototype, 'sort');
        for (let i = 0; i < 10; i++) {
            feedStats(pc, 1, 'video', 0);
            await vi.advanceTimersByTimeAsync(1000);
        }
        expect(sort).not.toHaveBeenCalled();
        expect(seen).toHaveLength(10);
        // The same list, sorted once when the document came, at each tick.
        expect(new Set(seen).size).toBe(1);
        expect(seen[0]!.length).toBeLessThanOrEqual(256);
        player.stop();
    });

    it('a document over 1 MiB is ignored whole (the issue’s 3 MB one)', async () => {
        const player = newPlayer();
        const metadata = vi.fn();
        player.on('metadata', metadata);
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        const parse = vi.spyOn(JSON, 'parse');
        metadataSocket().serverSend(JSON.stringify(manyTracks(40_000)));
        await vi.advanceTimersByTimeAsync(0);
        expect(parse).not.toHaveBeenCalledWith(expect.stringMatching(/^\{"type":"live"/));
        expect(metadata).not.toHaveBeenCalled();
        expect(player.state).toBe('playing');
        player.stop();
    });

    it('with waitForStream, a stream that comes back online is played at once, not at the next poll', async () => {
        let live = false;
        FakeWebSocket.server = (socket, message) => {
            if (message.type === 'offer_sdp' && !live) {
                socket.serverSend({ type: 'on_error', command: 'offer_sdp', message: 'Stream open failed' });
                return socket.serverClose(1006);
            }
            defaultServer(socket, message);
        };
        const player = newPlayer({ waitForStream: { intervalMs: 60_000 } });
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        expect(player.state).toBe('offline');
        metadataSocket().serverSend(MIST_OFFLINE);
        await vi.advanceTimersByTimeAsync(10);
        live = true;
        metadataSocket().serverSend(DOCUMENT);
        await vi.advanceTimersByTimeAsync(50);
        expect(player.state).toBe('playing');
        expect(socketsOf('/webrtc/cam')).toHaveLength(2);
        player.stop();
    });

    it('start(params, { metadata }) follows an open StreamMetadata and leaves it open at stop', async () => {
        const followed = new StreamMetadata(params, { WebSocket: platform.WebSocket, logger: silent });
        await vi.advanceTimersByTimeAsync(5);
        metadataSocket().serverSend(DOCUMENT);
        await vi.advanceTimersByTimeAsync(0);
        const player = newPlayer();
        const states: string[] = [];
        player.on('streamState', (s) => states.push(s));
        player.start(params, { metadata: followed });
        await vi.advanceTimersByTimeAsync(50);
        // Its news apply at once; no second metadata socket.
        expect(states).toEqual(['online']);
        expect(player.metadata).toBe(followed.metadata);
        expect(player.streamMetadata).toBe(followed);
        expect(socketsOf('/json_cam.js')).toHaveLength(1);
        player.stop();
        expect(followed.closed).toBe(false);
        expect(() => player.start({ endPoint, streamName: 'other' }, { metadata: followed })).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
        followed.close();
        expect(() => player.start(params, { metadata: followed })).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
        expect(player.state).toBe('stopped');
    });

    it('the metadata socket opens once the first frame is shown, not beside the session’s set-up', async () => {
        const { element, showFrame } = fakeVideo();
        const player = new Player(element, {
            logger: silent,
            statsIntervalMs: 0,
            connectorOptions: platform,
        });
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        expect(player.state).toBe('playing');
        expect(socketsOf('/json_cam.js')).toHaveLength(0);
        showFrame();
        await vi.advanceTimersByTimeAsync(10);
        expect(socketsOf('/json_cam.js')).toHaveLength(1);
        metadataSocket().serverSend(DOCUMENT);
        await vi.advanceTimersByTimeAsync(10);
        expect(player.metadata?.tracks.size).toBe(7);
        player.stop();
    });

    it('metadata: false opens no metadata socket; bad renditions in the option throw', () => {
        const player = newPlayer({ metadata: false });
        player.start(params);
        expect(socketsOf('/json_cam.js')).toHaveLength(0);
        player.stop();
        expect(() => newPlayer({ renditions: [{ track: 1.5 }] })).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
    });
});

describe('Player: audio multi-bitrate', () => {
    it('with several audio tracks the automatic audio choice follows congestion; pinned audio wins', async () => {
        vi.spyOn(Math, 'random').mockReturnValue(0.5);
        const player = newPlayer({ statsIntervalMs: 1000 });
        const audio: number[] = [];
        player.on('audioRendition', (track) => audio.push(track));
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        metadataSocket().serverSend(DOCUMENT);
        const pc = FakePeerConnection.instances[0]!;
        feedStats(pc, 1, 'audio', 0);
        await vi.advanceTimersByTimeAsync(1000);
        // First choice: the heaviest; then 30 % loss steps down to the lighter one.
        expect(audio).toEqual([0]);
        for (let i = 0; i < 4; i++) {
            feedStats(pc, 1, 'audio', 30);
            await vi.advanceTimersByTimeAsync(1000);
        }
        expect(audio).toEqual([0, 4]);
        expect(tracksSent().map((m) => m.audio)).toEqual(expect.arrayContaining(['0', '4']));
        player.audioTrack = 0;
        feedStats(pc, 5, 'audio', 0);
        await vi.advanceTimersByTimeAsync(5000);
        expect(audio).toEqual([0, 4]);
        expect(tracksSent().at(-1)).toMatchObject({ audio: '0' });
        player.stop();
    });

    it('a stream with one audio track never gets an audio choice', async () => {
        const player = newPlayer({ statsIntervalMs: 1000 });
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        metadataSocket().serverSend({
            meta: { tracks: { a: { idx: 0, type: 'audio', codec: 'opus', bps: 4000 } } },
        });
        const pc = FakePeerConnection.instances[0]!;
        for (let i = 0; i < 3; i++) {
            feedStats(pc, 1, 'audio', 30);
            await vi.advanceTimersByTimeAsync(1000);
        }
        expect(tracksSent().every((m) => m.audio === undefined)).toBe(true);
        player.stop();
    });
});

describe('Player: timed data', () => {
    it('delivers the data channel’s items; dataTracks filters them and asks the server for them', async () => {
        const player = newPlayer();
        const items: unknown[][] = [];
        player.on('data', (...item) => items.push(item));
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        const channel = FakeDataChannel.labelled('JSON').at(-1)!;
        channel.serverSend({ data: { goal: 1 }, time: 5000, track: 6 });
        await vi.advanceTimersByTimeAsync(0);
        player.dataTracks = [7];
        await vi.advanceTimersByTimeAsync(5);
        expect(tracksSent().at(-1)).toMatchObject({ meta: '7' });
        channel.serverSend({ data: 'ignored', time: 5100, track: 6 });
        channel.serverSend({ duration: 900, time: 5200, track: 7, data: 'Hello' });
        await vi.advanceTimersByTimeAsync(0);
        expect(items).toEqual([
            [5000, 6, { goal: 1 }, undefined],
            [5200, 7, 'Hello', 900],
        ]);
        expect(() => (player.dataTracks = [-1])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        // Replayed on reconnection.
        signaling().serverClose(1006);
        await vi.advanceTimersByTimeAsync(500);
        expect(tracksSent().at(-1)).toMatchObject({ meta: '7' });
        player.stop();
    });

    it('a data channel that was open and closes (the session ending) does not open the data WebSocket', async () => {
        const player = newPlayer();
        player.on('data', () => undefined);
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        metadataSocket().serverSend(DOCUMENT);
        await vi.advanceTimersByTimeAsync(10);
        const channel = FakeDataChannel.labelled('JSON').at(-1)!;
        expect(player.connector?.dataChannel).toBe('open');
        // The server closes the channel (its publisher left) before the signaling says so.
        channel.serverClose();
        await vi.advanceTimersByTimeAsync(10);
        expect(player.connector?.dataChannel).toBe('none');
        expect(socketsOf('/cam.json')).toHaveLength(0);
        player.stop();
    });

    it('where the session has no data channel, the data WebSocket delivers the stream’s data tracks', async () => {
        FakeWebSocket.server = (socket, message) => {
            if (message.type === 'offer_sdp') {
                const answer = serverAnswer(String(message.offer_sdp), { rejectData: true });
                return socket.serverSend({ type: 'on_answer_sdp', result: true, answer_sdp: answer });
            }
            if (new URL(socket.url).pathname === '/webrtc/cam') defaultServer(socket, message);
        };
        const player = newPlayer();
        const items: unknown[][] = [];
        player.on('data', (...item) => items.push(item));
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        // No data track known yet: no data socket.
        expect(socketsOf('/cam.json')).toHaveLength(0);
        metadataSocket().serverSend(DOCUMENT);
        await vi.advanceTimersByTimeAsync(10);
        const data = socketsOf('/cam.json').at(-1)!;
        expect(data.sent).toEqual([{ type: 'tracks', tracks: '6,7' }]);
        data.serverSend({ data: { goal: 2 }, time: 9000, track: 6 });
        await vi.advanceTimersByTimeAsync(0);
        expect(items).toEqual([[9000, 6, { goal: 2 }, undefined]]);
        player.dataTracks = [7];
        await vi.advanceTimersByTimeAsync(5);
        expect(data.sent.at(-1)).toEqual({ type: 'tracks', tracks: '7' });
        player.dataTracks = [];
        await vi.advanceTimersByTimeAsync(5);
        expect(data.readyState).toBeGreaterThanOrEqual(2);
        player.stop();
    });
    it('opens no data WebSocket for an app that does not read timed data, and one once it listens', async () => {
        FakeWebSocket.server = (socket, message) => {
            if (message.type === 'offer_sdp') {
                const answer = serverAnswer(String(message.offer_sdp), { rejectData: true });
                return socket.serverSend({ type: 'on_answer_sdp', result: true, answer_sdp: answer });
            }
            if (new URL(socket.url).pathname === '/webrtc/cam') defaultServer(socket, message);
        };
        const player = newPlayer({ statsIntervalMs: 1000 });
        player.start(params);
        await vi.advanceTimersByTimeAsync(50);
        metadataSocket().serverSend(DOCUMENT);
        await vi.advanceTimersByTimeAsync(1500);
        expect(socketsOf('/cam.json')).toHaveLength(0);
        player.on('data', () => undefined);
        // Within a stats tick.
        await vi.advanceTimersByTimeAsync(1000);
        expect(socketsOf('/cam.json')).toHaveLength(1);
        player.stop();
    });
});

describe('Player over WHEP: commands through MistControl', () => {
    /** A WHEP server answering with a data channel (MistControl), and serving DOCUMENT as the stream's metadata. */
    const fetch: FetchFunction = async (url, init) => {
        if (init?.method === 'POST') {
            return new Response(serverAnswer(String(init.body)), {
                status: 201,
                headers: { 'Content-Type': 'application/sdp', Location: '/whep/cam/1' },
            });
        }
        if (url.endsWith('/json_cam.js')) return new Response(JSON.stringify(DOCUMENT));
        return new Response(null, { status: 200 });
    };

    it('videoTrack and the data tracks go through the MistControl channel', async () => {
        // No WebSocket here: the metadata is polled over HTTP.
        const player = newPlayer({ connectorOptions: { WebSocket: undefined, fetch } });
        const playing: number[] = [];
        player.on('playing', (infos) => playing.push(infos.current));
        player.start({ endPoint: 'http://127.0.0.1:1', streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        expect(player.state).toBe('playing');
        player.videoTrack = 2;
        player.dataTracks = [6];
        await vi.advanceTimersByTimeAsync(10);
        const control = FakeDataChannel.labelled('MistControl').at(-1)!;
        expect(control.sentMessages.filter((m) => m.type === 'tracks').at(-1)).toEqual({
            type: 'tracks',
            video: '2',
            meta: '6',
        });
        // The channel's on_time replies are the player's `playing` events.
        expect(playing.length).toBeGreaterThan(0);
        expect(player.metadata?.tracks.size).toBe(7);
        player.stop();
    });

    it('a prepared WHEP session is held through MistControl until start(), then played', async () => {
        const player = newPlayer({ connectorOptions: { WebSocket: undefined, fetch } });
        const params = { endPoint: 'http://127.0.0.1:1', streamName: 'cam' };
        player.prepare(params);
        await vi.advanceTimersByTimeAsync(50);
        expect(player.prepared).toBe(true);
        const control = FakeDataChannel.labelled('MistControl').at(-1)!;
        const types = () => control.sentMessages.map((m) => m.type).filter((t) => t === 'hold' || t === 'play');
        expect(types()).toEqual(['hold']);
        player.start(params);
        await vi.advanceTimersByTimeAsync(10);
        expect(types()).toEqual(['hold', 'play']);
        expect(player.state).toBe('playing');
        player.stop();
    });
});
