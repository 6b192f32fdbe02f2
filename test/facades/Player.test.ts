import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Player } from '../../src/facades/Player';
import type { RtcError } from '../../src/core/RtcError';
import { FACADE_EVENTS, PLAYER_TRANSITIONS, transition, type PlayerState } from '../../src/policy/stateTable';
import { FakePeerConnection } from '../fakes/FakePeerConnection';
import { FakeWebSocket, defaultServer } from '../fakes/FakeWebSocket';
import { fakeVideo } from '../fakes/media';
import { fakePlatform, silent } from '../fakes/platform';

/** State changes the state table does not allow, seen in the current test. */
const badTransitions: string[] = [];
const endPoint = 'ws://127.0.0.1:1';

function newPlayer(options: ConstructorParameters<typeof Player>[1] = {}) {
    const player = new Player(undefined, {
        logger: silent,
        statsIntervalMs: 0,
        // The stream's metadata has tests of its own (below): elsewhere, no metadata socket.
        metadata: false,
        ...options,
        connectorOptions: {
            ...fakePlatform,
            fetch: async () => new Response('', { status: 404 }),
            ...options.connectorOptions,
        },
    });
    const states: string[] = [];
    const stops: (RtcError | undefined)[] = [];
    const reconnects: { attempt: number; delayMs: number; code: string }[] = [];
    player.on('state', (s) => {
        // Every change must be one the state table allows (checked after each test: a listener's
        // exception would be swallowed by the emitter).
        const from = (states[states.length - 1] ?? 'idle') as PlayerState;
        if (!FACADE_EVENTS.some((e) => transition(PLAYER_TRANSITIONS, from, e) === s))
            badTransitions.push(`${from} → ${s}`);
        states.push(s);
    });
    player.on('stop', (e) => stops.push(e));
    player.on('reconnecting', (r) => reconnects.push({ attempt: r.attempt, delayMs: r.delayMs, code: r.error.code }));
    return { player, states, stops, reconnects };
}

const lastSocket = () => FakeWebSocket.instances[FakeWebSocket.instances.length - 1]!;

beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.reset();
    FakePeerConnection.reset();
});
afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    expect(badTransitions.splice(0)).toEqual([]);
});

describe('Player', () => {
    it('connects and plays: connecting → playing, start(stream), timings in order', async () => {
        const { player, states } = newPlayer();
        const started = vi.fn();
        const timings = vi.fn();
        player.on('start', started);
        player.on('timings', timings);
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        expect(states).toEqual(['connecting', 'playing']);
        expect(started).toHaveBeenCalledTimes(1);
        expect(started.mock.calls[0]![0].getTracks()).toHaveLength(2);
        expect(lastSocket().url).toBe('ws://127.0.0.1:1/webrtc/cam');
        const t = timings.mock.calls[0]![0];
        expect(t.session).toBe(1);
        expect(t.offerReady).toBeLessThanOrEqual(t.answer);
        expect(t.answer).toBeLessThanOrEqual(t.open);
        player.stop();
    });

    it('plays inline (iOS) and on stop releases its element: pause, srcObject null, load()', async () => {
        const { video, element, calls } = fakeVideo();
        const player = new Player(element, {
            logger: silent,
            statsIntervalMs: 0,
            metadata: false,
            connectorOptions: fakePlatform,
        });
        expect(video.playsInline).toBe(true);
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        expect(video.srcObject).not.toBeNull();
        player.stop();
        expect(video.srcObject).toBeNull();
        expect(calls.slice(-2)).toEqual(['pause', 'load']);
    });

    it('throws INVALID_ARGUMENT synchronously on bad params', () => {
        const { player } = newPlayer();
        expect(() => player.start({ endPoint: '' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        expect(() => player.start({ endPoint: 'ws://host:1' })).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
        expect(player.state).toBe('idle');
    });

    it('retries a lost session with backoff and plays again, replaying track choice and rtp props', async () => {
        vi.spyOn(Math, 'random').mockReturnValue(0.5);
        const { player, states, reconnects } = newPlayer();
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        player.videoTrack = 2;
        player.setRTPProps(100, 300);
        await vi.advanceTimersByTimeAsync(10);
        lastSocket().serverClose(1006);
        await vi.advanceTimersByTimeAsync(1);
        expect(player.state).toBe('reconnecting');
        expect(reconnects).toEqual([{ attempt: 1, delayMs: 125, code: 'CONNECTION_LOST' }]);
        expect(FakeWebSocket.instances).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(200);
        expect(FakeWebSocket.instances).toHaveLength(2);
        expect(player.state).toBe('playing');
        expect(states).toEqual(['connecting', 'playing', 'reconnecting', 'playing']);
        const second = lastSocket();
        expect(second.url).toContain('video=2');
        expect(second.sent).toEqual(
            expect.arrayContaining([
                expect.objectContaining({ type: 'rtp_props', nack: 100, drop: 300 }),
                expect.objectContaining({ type: 'tracks', video: '2' }),
            ]),
        );
        // A success resets the attempt counter.
        second.serverClose(1006);
        await vi.advanceTimersByTimeAsync(1);
        expect(reconnects[1]!.attempt).toBe(1);
        player.stop();
    });

    /** Starts `player`, lets its first session open, then makes the server unreachable and drops it. */
    async function openThenLoseTheServer(player: Player): Promise<void> {
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        expect(player.state).toBe('playing');
        FakeWebSocket.unreachable = true;
        lastSocket().serverClose(1006);
    }

    it('once a session opened, backs off exponentially up to the cap while the server is unreachable', async () => {
        vi.spyOn(Math, 'random').mockReturnValue(1);
        const { player, reconnects, stops } = newPlayer({ reconnect: { initialDelayMs: 250, maxDelayMs: 2000 } });
        await openThenLoseTheServer(player);
        await vi.advanceTimersByTimeAsync(30_000);
        expect(reconnects.slice(0, 6).map((r) => r.delayMs)).toEqual([250, 500, 1000, 2000, 2000, 2000]);
        expect(reconnects[0]!.code).toBe('CONNECTION_LOST');
        expect(reconnects.slice(1).every((r) => r.code === 'SERVER_UNREACHABLE')).toBe(true);
        // A server that once worked is waited for: no give-up after a few attempts.
        expect(reconnects.length).toBeGreaterThan(10);
        expect(stops).toHaveLength(0);
        player.stop();
    });

    it('gives up after maxAttempts with the last error', async () => {
        const { player, stops, reconnects } = newPlayer({ reconnect: { maxAttempts: 2, initialDelayMs: 10 } });
        await openThenLoseTheServer(player);
        await vi.advanceTimersByTimeAsync(5_000);
        expect(reconnects).toHaveLength(2);
        expect(FakeWebSocket.instances).toHaveLength(3);
        expect(stops).toHaveLength(1);
        expect(stops[0]?.code).toBe('SERVER_UNREACHABLE');
        expect(player.state).toBe('stopped');
    });

    it('a start whose session never opens gives up after 3 attempts within 5 s, with a clear final error', async () => {
        FakeWebSocket.unreachable = true;
        const { player, stops, reconnects, states } = newPlayer();
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(5_000);
        expect(FakeWebSocket.instances).toHaveLength(3);
        expect(reconnects).toHaveLength(2);
        expect(stops).toHaveLength(1);
        const error = stops[0]!;
        expect(error.code).toBe('SERVER_UNREACHABLE');
        expect(error.retryable).toBe(false);
        expect(error.message).toMatch(/cannot open the WebSocket to ws:\/\/127\.0\.0\.1:1\/webrtc\/cam/);
        expect(error.message).toMatch(/gave up after 3 attempts/);
        expect(states.at(-1)).toBe('stopped');
        // Nothing runs on: no retry timer, no socket.
        await vi.advanceTimersByTimeAsync(60_000);
        expect(FakeWebSocket.instances).toHaveLength(3);
    });

    it('startAttempts sets how many sessions a start tries before one opens', async () => {
        FakeWebSocket.unreachable = true;
        const { player, stops } = newPlayer({ reconnect: { startAttempts: 1 } });
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(1_000);
        expect(FakeWebSocket.instances).toHaveLength(1);
        expect(stops[0]?.message).toMatch(/gave up after 1 attempt\)/);
    });

    it('does not retry a refused session', async () => {
        FakeWebSocket.server = (socket, message) => {
            if (message.type === 'offer_sdp') socket.serverSend({ type: 'on_answer_sdp', result: false });
        };
        const { player, stops, reconnects } = newPlayer();
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(60_000);
        expect(reconnects).toHaveLength(0);
        expect(FakeWebSocket.instances).toHaveLength(1);
        expect(stops.map((e) => e?.code)).toEqual(['REFUSED']);
        expect(stops[0]?.retryable).toBe(false);
    });

    it('stop() during the backoff cancels the retry and releases everything', async () => {
        const { player, stops } = newPlayer();
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        lastSocket().serverClose(1006);
        await vi.advanceTimersByTimeAsync(1);
        expect(player.state).toBe('reconnecting');
        player.stop();
        await vi.advanceTimersByTimeAsync(5);
        // The pending retry timer is cleared at once, not left to fire into a stopped player.
        expect(vi.getTimerCount()).toBe(0);
        await vi.advanceTimersByTimeAsync(60_000);
        expect(FakeWebSocket.instances).toHaveLength(1);
        expect(stops).toEqual([undefined]);
        expect(player.state).toBe('stopped');
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(vi.getTimerCount()).toBe(0);
    });

    it('an ended stream stops with STREAM_ENDED by default', async () => {
        const { player, stops } = newPlayer();
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        lastSocket().serverSend({ type: 'on_stop', data: { begin: 0, current: 5000, end: 5000 } });
        lastSocket().serverClose(1006);
        await vi.advanceTimersByTimeAsync(60_000);
        expect(stops.map((e) => e?.code)).toEqual(['STREAM_ENDED']);
        expect(FakeWebSocket.instances).toHaveLength(1);
    });

    it('with waitForStream, an ended stream goes offline and polls until it is back', async () => {
        const { player, states, stops } = newPlayer({ waitForStream: { intervalMs: 1000 } });
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        // The stream ends; the next poll finds it missing; the one after finds it back.
        let refusals = 1;
        FakeWebSocket.server = (socket, message) => {
            if (message.type === 'offer_sdp' && refusals-- > 0) {
                socket.serverSend({ type: 'on_error', command: 'offer_sdp', message: 'Stream open failed' });
                socket.serverClose(1006);
                return;
            }
            defaultServer(socket, message);
        };
        lastSocket().serverSend({ type: 'on_stop', data: {} });
        await vi.advanceTimersByTimeAsync(10);
        expect(player.state).toBe('offline');
        await vi.advanceTimersByTimeAsync(1100);
        expect(FakeWebSocket.instances).toHaveLength(2);
        expect(player.state).toBe('offline');
        await vi.advanceTimersByTimeAsync(1100);
        expect(FakeWebSocket.instances).toHaveLength(3);
        expect(player.state).toBe('playing');
        expect(states).toEqual(['connecting', 'playing', 'offline', 'playing']);
        expect(stops).toHaveLength(0);
        player.stop();
    });

    it('emits stats once per interval from one getStats() call', async () => {
        const { player } = newPlayer({ statsIntervalMs: 1000 });
        const stats = vi.fn();
        player.on('stats', stats);
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const pc = FakePeerConnection.instances[0]!;
        pc.stats = [
            {
                id: 'v',
                type: 'inbound-rtp',
                kind: 'video',
                packetsReceived: 100,
                packetsLost: 0,
                bytesReceived: 1000,
                frameWidth: 640,
                frameHeight: 360,
                framesPerSecond: 30,
            },
        ];
        await vi.advanceTimersByTimeAsync(3000);
        expect(stats).toHaveBeenCalledTimes(3);
        expect(pc.getStatsCalls).toBe(3);
        expect(stats.mock.calls[0]![0]).toMatchObject({ width: 640, height: 360, fps: 30 });
        player.stop();
    });

    it('steps the rendition down under loss (MBR) and not when a track is pinned', async () => {
        const { player } = newPlayer({
            // The default algorithm, tuned by its options.
            mbr: { burstLossPercent: 25 },
            statsIntervalMs: 1000,
            renditions: [
                { track: 1, bitrate: 300_000 },
                { track: 2, bitrate: 1_000_000 },
                { track: 3, bitrate: 3_000_000 },
            ],
        });
        const changes: unknown[] = [];
        player.on('renditionChange', (change) => changes.push(change));
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const socket = lastSocket();
        socket.serverSend({ type: 'on_time', data: { begin: 0, current: 0, end: 0, tracks: [0, 3] } });
        const pc = FakePeerConnection.instances[0]!;
        let received = 0;
        let lost = 0;
        for (let i = 0; i < 5; i++) {
            received += 700;
            lost += 300; // 30 % loss
            pc.stats = [
                {
                    id: 'v',
                    type: 'inbound-rtp',
                    kind: 'video',
                    packetsReceived: received,
                    packetsLost: lost,
                    bytesReceived: received * 1000,
                },
            ];
            await vi.advanceTimersByTimeAsync(1000);
        }
        const tracks = socket.sent.filter((m) => m.type === 'tracks').map((m) => m.video);
        expect(tracks.length).toBeGreaterThan(0);
        expect(Number(tracks[tracks.length - 1])).toBeLessThan(3);
        // Each change says why: 30 % loss is above the burst threshold of 25 %.
        expect(changes[0]).toEqual({ track: 2, previous: 3, reason: 'burst-loss' });
        player.stop();
    });
});

describe('Player media watchdog', () => {
    beforeEach(() => {
        vi.useFakeTimers();
        FakeWebSocket.reset();
        FakePeerConnection.reset();
    });

    it('reconnects a session that stops receiving packets, and not one that keeps receiving', async () => {
        const { player, reconnects } = newPlayer({ statsIntervalMs: 1000, mediaTimeoutMs: 3000 });
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const pc = FakePeerConnection.instances[0]!;
        let packets = 0;
        const feed = (grow: boolean) => {
            if (grow) packets += 50;
            pc.stats = [
                { id: 'a', type: 'inbound-rtp', kind: 'audio', packetsReceived: packets, bytesReceived: packets * 100 },
                { id: 'v', type: 'inbound-rtp', kind: 'video', packetsReceived: packets, framesDecoded: packets / 2 },
            ];
        };
        for (let i = 0; i < 6; i++) {
            feed(true);
            await vi.advanceTimersByTimeAsync(1000);
        }
        expect(reconnects).toHaveLength(0);
        // The keep-alive socket stays up (on_time would keep coming), but media stops.
        for (let i = 0; i < 5; i++) {
            feed(false);
            await vi.advanceTimersByTimeAsync(1000);
        }
        expect(reconnects).toHaveLength(1);
        expect(reconnects[0]!.code).toBe('CONNECTION_LOST');
        player.stop();
    });
});

describe('Player: the picture that never came', () => {
    beforeEach(() => {
        vi.useFakeTimers();
        FakeWebSocket.reset();
        FakePeerConnection.reset();
    });

    /** Plays for `seconds` with audio arriving and the video counters `video` gives each second. */
    async function playFor(
        options: ConstructorParameters<typeof Player>[1],
        seconds: number,
        video: (s: number) => { packetsReceived: number; framesDecoded: number },
        setup: (player: Player) => void = () => undefined,
    ) {
        const played = newPlayer({ statsIntervalMs: 1000, mediaTimeoutMs: 4000, ...options });
        setup(played.player);
        played.player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const pc = FakePeerConnection.instances[FakePeerConnection.instances.length - 1]!;
        for (let s = 1; s <= seconds; s++) {
            pc.stats = [
                { id: 'a', type: 'inbound-rtp', kind: 'audio', packetsReceived: 50 * s },
                { id: 'v', type: 'inbound-rtp', kind: 'video', ...video(s) },
            ];
            await vi.advanceTimersByTimeAsync(1000);
        }
        return played;
    }

    it('audio flows, video packets arrive but no frame decodes: MEDIA_FAILED at mediaTimeoutMs, not retried', async () => {
        const { player, stops, reconnects, states } = await playFor({}, 3, (s) => ({
            packetsReceived: 90 * s,
            framesDecoded: 0,
        }));
        expect(player.state).toBe('playing');
        expect(stops).toHaveLength(0);
        await vi.advanceTimersByTimeAsync(2000);
        expect(stops).toHaveLength(1);
        expect(stops[0]).toMatchObject({ code: 'MEDIA_FAILED', retryable: false });
        expect(stops[0]!.message).toMatch(
            /^no video frame decoded 4 s after the session opened \(\d+ video packets received\)$/,
        );
        expect(reconnects).toHaveLength(0);
        expect(states).toEqual(['connecting', 'playing', 'stopped']);
    });

    it('no video packet at all while audio flows: the same clear error', async () => {
        const { stops } = await playFor({}, 6, () => ({ packetsReceived: 0, framesDecoded: 0 }));
        expect(stops[0]).toMatchObject({ code: 'MEDIA_FAILED' });
        expect(stops[0]!.message).toMatch(/\(0 video packets received\)$/);
    });

    it('decoded frames, an audio-only requiredMedia, a video pinned to none or mediaTimeoutMs 0: no error', async () => {
        const none = () => ({ packetsReceived: 0, framesDecoded: 0 });
        const cases: [Parameters<typeof playFor>[0], Parameters<typeof playFor>[2], Parameters<typeof playFor>[3]?][] =
            [
                [{}, (s) => ({ packetsReceived: 90 * s, framesDecoded: 30 * s })],
                [{ requiredMedia: ['audio'] }, none],
                [{}, none, (player) => (player.videoTrack = 'none')],
                [{ mediaTimeoutMs: 0 }, none],
            ];
        for (const [options, video, setup] of cases) {
            const { player, stops } = await playFor(options, 8, video, setup);
            expect(stops.map((e) => e?.message)).toEqual([]);
            expect(player.state).toBe('playing');
            player.stop();
        }
    });
});

describe('Player track pinning', () => {
    beforeEach(() => {
        vi.useFakeTimers();
        FakeWebSocket.reset();
        FakePeerConnection.reset();
    });

    it('releasing a pinned video track keeps playing it under automatic selection', async () => {
        const { player } = newPlayer();
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        player.videoTrack = 3;
        player.videoTrack = undefined;
        await vi.advanceTimersByTimeAsync(10);
        const videos = lastSocket()
            .sent.filter((m) => m.type === 'tracks')
            .map((m) => m.video);
        expect(videos.slice(-2)).toEqual(['3', '3']);
        expect(player.videoTrack).toBeUndefined();
        player.stop();
    });
});

describe('Player: prepare', () => {
    beforeEach(() => {
        vi.useFakeTimers();
        FakeWebSocket.reset();
        FakePeerConnection.reset();
    });

    describe('prepare (issue 12)', () => {
        const params = { endPoint, streamName: 'cam' };
        const sentTypes = () => lastSocket().sent.map((m) => m.type);

        it('prepare → start: the prepared session is used, held after the offer and played at start', async () => {
            const { player, states } = newPlayer();
            const timings = vi.fn();
            player.on('timings', timings);
            player.prepare(params);
            await vi.advanceTimersByTimeAsync(50);
            expect(player.prepared).toBe(true);
            expect(player.state).toBe('idle');
            expect(states).toEqual([]);
            expect(sentTypes()).toEqual(['offer_sdp', 'hold']);
            player.start(params);
            await vi.advanceTimersByTimeAsync(10);
            expect(FakeWebSocket.instances).toHaveLength(1);
            expect(FakePeerConnection.instances).toHaveLength(1);
            expect(sentTypes().slice(0, 3)).toEqual(['offer_sdp', 'hold', 'play']);
            expect(states).toEqual(['connecting', 'playing']);
            expect(player.prepared).toBe(false);
            expect(timings.mock.calls[0]![0]).toEqual({ session: 1, prepared: true });
            player.stop();
        });

        it('prepared is true only once ICE and DTLS are up, not when the answer brought the tracks', async () => {
            FakePeerConnection.autoConnectMs = -1;
            const { player } = newPlayer();
            player.prepare(params);
            await vi.advanceTimersByTimeAsync(50);
            const pc = FakePeerConnection.instances[0]!;
            // The answer is applied and the tracks arrived: the session is open, its media path is not.
            expect(pc.remoteDescription).not.toBeNull();
            expect(player.prepared).toBe(false);
            pc.setState('connecting');
            expect(player.prepared).toBe(false);
            pc.setState('connected');
            expect(player.prepared).toBe(true);
            player.stop();
        });

        it('start before the prepared session opened still takes it', async () => {
            const { player, states } = newPlayer();
            player.prepare(params);
            player.start(params);
            await vi.advanceTimersByTimeAsync(50);
            expect(FakeWebSocket.instances).toHaveLength(1);
            expect(sentTypes().slice(0, 3)).toEqual(['offer_sdp', 'hold', 'play']);
            expect(states).toEqual(['connecting', 'playing']);
            player.stop();
        });

        it('prepare → stop: the session is released, nothing is emitted', async () => {
            const { player, stops, states } = newPlayer();
            player.prepare(params);
            await vi.advanceTimersByTimeAsync(50);
            player.stop();
            await vi.advanceTimersByTimeAsync(10);
            expect(player.prepared).toBe(false);
            expect(FakePeerConnection.live).toHaveLength(0);
            expect(FakeWebSocket.open).toHaveLength(0);
            expect(stops).toEqual([]);
            expect(states).toEqual([]);
        });

        it('prepare → timeout: released after prepareTimeoutMs; a later start is cold', async () => {
            const { player } = newPlayer({ prepareTimeoutMs: 5000 });
            player.prepare(params);
            await vi.advanceTimersByTimeAsync(4900);
            expect(player.prepared).toBe(true);
            await vi.advanceTimersByTimeAsync(200);
            expect(player.prepared).toBe(false);
            expect(FakePeerConnection.live).toHaveLength(0);
            expect(FakeWebSocket.open).toHaveLength(0);
            player.start(params);
            await vi.advanceTimersByTimeAsync(50);
            expect(FakeWebSocket.instances).toHaveLength(2);
            expect(sentTypes()).not.toContain('hold');
            expect(player.state).toBe('playing');
            player.stop();
        });

        it('prepare twice: the same params keep the session, other params replace it', async () => {
            const { player } = newPlayer();
            player.prepare(params);
            player.prepare({ ...params });
            await vi.advanceTimersByTimeAsync(50);
            expect(FakeWebSocket.instances).toHaveLength(1);
            player.prepare({ endPoint, streamName: 'other' });
            await vi.advanceTimersByTimeAsync(50);
            expect(FakeWebSocket.instances).toHaveLength(2);
            expect(FakePeerConnection.live).toHaveLength(1);
            // A start with yet other params does not use it.
            player.start(params);
            await vi.advanceTimersByTimeAsync(50);
            expect(FakeWebSocket.instances).toHaveLength(3);
            expect(FakePeerConnection.live).toHaveLength(1);
            expect(lastSocket().url).toContain('/webrtc/cam');
            player.stop();
        });

        it('start without prepare is a cold start (no hold), and prepare while started is INVALID_STATE', async () => {
            const { player } = newPlayer();
            const timings = vi.fn();
            player.on('timings', timings);
            player.start(params);
            await vi.advanceTimersByTimeAsync(50);
            expect(sentTypes()).not.toContain('hold');
            expect(timings.mock.calls[0]![0].prepared).toBeUndefined();
            expect(() => player.prepare(params)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
            player.stop();
        });
    });

    describe('latency (issue 12)', () => {
        const freezeStats = (freezeCount: number, packets: number) => [
            { id: 'v', type: 'inbound-rtp', kind: 'video', packetsReceived: packets, freezeCount },
        ];

        it("'lowest' sets a jitter-buffer target of 0 on every receiver, reported in stats", async () => {
            const { player } = newPlayer({ latency: 'lowest', statsIntervalMs: 1000 });
            const stats = vi.fn();
            player.on('stats', stats);
            player.start({ endPoint, streamName: 'cam' });
            await vi.advanceTimersByTimeAsync(50);
            const pc = FakePeerConnection.instances[0]!;
            expect(pc.getReceivers().map((r) => r.jitterBufferTarget)).toEqual([0, 0]);
            await vi.advanceTimersByTimeAsync(1000);
            expect(stats.mock.calls[0]![0].jitterBufferTargetMs).toBe(0);
            player.stop();
        });

        it('a number is the target in ms; the default leaves the browser its own buffering', async () => {
            const a = newPlayer({ latency: 250 });
            a.player.start({ endPoint, streamName: 'cam' });
            await vi.advanceTimersByTimeAsync(50);
            expect(FakePeerConnection.instances[0]!.getReceivers()[1]!.jitterBufferTarget).toBe(250);
            a.player.stop();
            const b = newPlayer();
            b.player.start({ endPoint, streamName: 'cam' });
            await vi.advanceTimersByTimeAsync(50);
            expect(FakePeerConnection.instances[1]!.getReceivers()[1]!.jitterBufferTarget).toBeNull();
            b.player.stop();
        });

        it('after a freeze, the target drops to 0 for 3 s to catch up, then comes back', async () => {
            const { player } = newPlayer({ latency: 300, statsIntervalMs: 1000 });
            player.start({ endPoint, streamName: 'cam' });
            await vi.advanceTimersByTimeAsync(50);
            const pc = FakePeerConnection.instances[0]!;
            const target = () => pc.getReceivers()[1]!.jitterBufferTarget;
            pc.stats = freezeStats(0, 100);
            await vi.advanceTimersByTimeAsync(1000);
            expect(target()).toBe(300);
            pc.stats = freezeStats(1, 200);
            await vi.advanceTimersByTimeAsync(1000);
            expect(target()).toBe(0);
            pc.stats = freezeStats(1, 300);
            await vi.advanceTimersByTimeAsync(2000);
            expect(target()).toBe(0);
            pc.stats = freezeStats(1, 400);
            await vi.advanceTimersByTimeAsync(1000);
            expect(target()).toBe(300);
            player.stop();
        });
    });
});

describe('Player: a fault while setting up a session', () => {
    beforeEach(() => {
        vi.useFakeTimers();
        FakeWebSocket.reset();
        FakePeerConnection.reset();
    });

    it('is logged, and start still fires: never `playing` without a `start`', async () => {
        const errors: unknown[] = [];
        class Faulty extends Player {
            protected override _onOpen(): void {
                throw new Error('a bug in the set-up');
            }
        }
        const player = new Faulty(undefined, {
            logger: { ...silent, error: (message: string) => void errors.push(message) },
            statsIntervalMs: 0,
            metadata: false,
            connectorOptions: fakePlatform,
        });
        const starts = vi.fn();
        player.on('start', starts);
        player.start({ endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        expect(player.state).toBe('playing');
        expect(starts).toHaveBeenCalledOnce();
        expect(errors).toEqual(['[rtcwire:player] setting up the session failed']);
        player.stop();
    });
});
