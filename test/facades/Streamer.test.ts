import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Streamer } from '../../src/facades/Streamer';
import { AdaptiveBitrate } from '../../src/policy/AdaptiveBitrate';
import type { RtcError } from '../../src/core/RtcError';
import type { ConnectParams } from '../../src/core/types';
import { FACADE_EVENTS, STREAMER_TRANSITIONS, transition, type StreamerState } from '../../src/policy/stateTable';
import { FakeDataChannel } from '../fakes/FakeDataChannel';
import { FakePeerConnection } from '../fakes/FakePeerConnection';
import { FakeWebSocket } from '../fakes/FakeWebSocket';
import { FakeStream, FakeTrack, fakeCamera } from '../fakes/media';
import { fakePlatform, silent } from '../fakes/platform';

/** State changes the state table does not allow, seen in the current test. */
const badTransitions: string[] = [];
const endPoint = 'ws://127.0.0.1:1';

function newStreamer(options: ConstructorParameters<typeof Streamer>[0] = {}) {
    const streamer = new Streamer({
        logger: silent,
        statsIntervalMs: 0,
        ...options,
        connectorOptions: { ...fakePlatform, ...options.connectorOptions },
    });
    const states: string[] = [];
    const stops: (RtcError | undefined)[] = [];
    streamer.on('state', (s) => {
        // Every change must be one the state table allows (checked after each test: a listener's
        // exception would be swallowed by the emitter).
        const from = (states[states.length - 1] ?? 'idle') as StreamerState;
        if (!FACADE_EVENTS.some((e) => transition(STREAMER_TRANSITIONS, from, e) === s))
            badTransitions.push(`${from} → ${s}`);
        states.push(s);
    });
    streamer.on('stop', (e) => stops.push(e));
    return { streamer, states, stops };
}

const lastSocket = () => FakeWebSocket.instances[FakeWebSocket.instances.length - 1]!;
const videoSender = (pc: FakePeerConnection) => pc.transceivers.find((t) => t.kind === 'video')!.sender;

/** Outbound video stats with the given remote loss fraction; bytes grow by `kbps` per second. */
function outbound(pc: FakePeerConnection, i: number, fractionLost: number, kbps = 1000) {
    pc.stats = [
        {
            id: 'o',
            type: 'outbound-rtp',
            kind: 'video',
            bytesSent: (i * kbps * 1000) / 8,
            packetsSent: i * 100,
            frameWidth: 1280,
            frameHeight: 720,
            framesPerSecond: 30,
            qualityLimitationReason: 'none',
        },
        {
            id: 'r',
            type: 'remote-inbound-rtp',
            kind: 'video',
            localId: 'o',
            fractionLost,
            packetsLost: 0,
            jitter: 0.01,
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
    vi.unstubAllGlobals();
    expect(badTransitions.splice(0)).toEqual([]);
});

describe('Streamer', () => {
    it('publishes sendonly and reaches streaming when the peer connection connects', async () => {
        const { streamer, states } = newStreamer();
        streamer.start(fakeCamera(), { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        expect(states).toEqual(['connecting', 'streaming']);
        const offer = String(lastSocket().sent.find((m) => m.type === 'offer_sdp')!.offer_sdp);
        expect(offer.match(/a=sendonly/g)).toHaveLength(2);
        expect(offer).not.toMatch(/a=recvonly/);
        streamer.stop();
    });

    it('rejects a stream without tracks synchronously', () => {
        const { streamer } = newStreamer();
        const empty = {
            getTracks: () => [],
            getAudioTracks: () => [],
            getVideoTracks: () => [],
        } as unknown as MediaStream;
        expect(() => streamer.start(empty, { endPoint, streamName: 'cam' })).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
    });

    it('rejects params that are missing or not strings synchronously', () => {
        const { streamer } = newStreamer();
        for (const params of [undefined, { endPoint: 5, streamName: 'cam' }, { endPoint, streamName: 5 }]) {
            expect(() => streamer.start(fakeCamera(), params as unknown as ConnectParams)).toThrow(
                expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
            );
        }
        expect(streamer.state).toBe('idle');
    });

    it('a fixed videoBitrate caps the encoder and is sent to the server', async () => {
        const { streamer } = newStreamer();
        const bitrates: [number, number][] = [];
        streamer.on('videoBitrate', (b, c) => bitrates.push([b, c]));
        streamer.start(fakeCamera(), { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        streamer.videoBitrate = 300_000;
        await vi.advanceTimersByTimeAsync(20);
        const pc = FakePeerConnection.instances[0]!;
        expect(videoSender(pc).parameters.encodings[0]!.maxBitrate).toBe(300_000);
        expect(lastSocket().sent).toContainEqual({ type: 'video_bitrate', video_bitrate: 300_000 });
        expect(bitrates).toContainEqual([300_000, 6_000_000]);
        expect(() => (streamer.videoBitrate = -1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        streamer.stop();
    });

    it('adaptive bitrate lowers the encoder target under loss and raises it when clean', async () => {
        const { streamer } = newStreamer({
            statsIntervalMs: 1000,
            minBitrate: 100_000,
            maxBitrate: 2_000_000,
            startBitrate: 1_000_000,
        });
        streamer.start(fakeCamera(), { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const pc = FakePeerConnection.instances[0]!;
        const sender = videoSender(pc);
        expect(sender.parameters.encodings[0]!.maxBitrate).toBe(1_000_000);
        // 25 % loss cuts the target by (1 - 0.5 × 0.25) per one-second sample.
        for (let i = 1; i <= 8; i++) {
            outbound(pc, i, 0.25);
            await vi.advanceTimersByTimeAsync(1000);
        }
        const lowered = sender.parameters.encodings[0]!.maxBitrate!;
        expect(lowered).toBeLessThan(500_000);
        expect(lowered).toBeGreaterThanOrEqual(100_000);
        for (let i = 9; i <= 35; i++) {
            outbound(pc, i, 0);
            await vi.advanceTimersByTimeAsync(1000);
        }
        expect(sender.parameters.encodings[0]!.maxBitrate!).toBeGreaterThan(lowered);
        streamer.stop();
    });

    it("bitrateChange gives each target change its reason: 'start', the ABR's ('loss'), 'fixed', and the server's ceiling ('constraint')", async () => {
        const { streamer } = newStreamer({ statsIntervalMs: 1000, startBitrate: 1_000_000, adaptResolution: false });
        const changes: [number, string][] = [];
        streamer.on('bitrateChange', (bps, reason) => changes.push([bps, reason]));
        streamer.start(fakeCamera(), { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const pc = FakePeerConnection.instances[0]!;
        outbound(pc, 1, 0.3);
        await vi.advanceTimersByTimeAsync(1000);
        // MistServer sends on_video_bitrate unprompted when it sees loss: a ceiling for the ABR.
        lastSocket().serverSend({
            type: 'on_video_bitrate',
            video_bitrate: 400_000,
            video_bitrate_constraint: 400_000,
        });
        outbound(pc, 2, 0);
        await vi.advanceTimersByTimeAsync(1000);
        streamer.videoBitrate = 250_000;
        await vi.advanceTimersByTimeAsync(10);
        expect(changes.map(([, reason]) => reason)).toEqual(['start', 'loss', 'constraint', 'fixed']);
        expect(changes[2]![0]).toBe(400_000);
        expect(changes[3]![0]).toBe(250_000);
        streamer.stop();
    });

    it('abr: false keeps startBitrate; a custom AdaptiveBitrate drives the target', async () => {
        const fixed = newStreamer({ statsIntervalMs: 1000, abr: false, startBitrate: 900_000 });
        fixed.streamer.start(fakeCamera(), { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const pc = FakePeerConnection.instances[0]!;
        for (let i = 1; i <= 3; i++) {
            outbound(pc, i, 0.5);
            await vi.advanceTimersByTimeAsync(1000);
        }
        expect(videoSender(pc).parameters.encodings[0]!.maxBitrate).toBe(900_000);
        fixed.streamer.stop();

        class Halving extends AdaptiveBitrate {
            private bps = 2_000_000;
            get target(): number {
                return this.bps;
            }
            get constraint(): number | undefined {
                return undefined;
            }
            update(): number {
                this.reason = 'halving';
                return (this.bps = Math.max(100_000, this.bps / 2));
            }
            setConstraint(): void {}
        }
        const custom = newStreamer({ statsIntervalMs: 1000, abr: new Halving(), adaptResolution: false });
        const reasons: string[] = [];
        custom.streamer.on('bitrateChange', (_bps, reason) => reasons.push(reason));
        custom.streamer.start(fakeCamera(), { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const pc2 = FakePeerConnection.instances[1]!;
        outbound(pc2, 1, 0);
        await vi.advanceTimersByTimeAsync(1000);
        expect(videoSender(pc2).parameters.encodings[0]!.maxBitrate).toBe(1_000_000);
        expect(reasons).toEqual(['start', 'halving']);
        custom.streamer.stop();
    });

    it('adaptResolution lowers the camera resolution when the bitrate falls far below what it needs, and raises it back', async () => {
        let target = 2_500_000;
        class Scripted extends AdaptiveBitrate {
            get target(): number {
                return target;
            }
            get constraint(): number | undefined {
                return undefined;
            }
            update(): number {
                return target;
            }
            setConstraint(): void {}
        }
        const camera = fakeCamera();
        const video = camera.getVideoTracks()[0]! as MediaStreamTrack & { applied: MediaTrackConstraints[] };
        video.applied = [];
        Object.assign(video, {
            getSettings: () => ({ width: 1280, height: 720 }),
            applyConstraints: async (c: MediaTrackConstraints) => void video.applied.push(c),
        });
        const { streamer } = newStreamer({ statsIntervalMs: 1000, abr: new Scripted() });
        streamer.start(camera, { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const pc = FakePeerConnection.instances[0]!;
        const tick = async (i: number) => {
            outbound(pc, i, 0);
            await vi.advanceTimersByTimeAsync(1000);
        };
        await tick(1);
        expect(video.applied).toEqual([]);
        target = 500_000; // far below what 720p needs
        await tick(2);
        expect(video.applied.at(-1)).toEqual({ width: { ideal: 960 }, height: { ideal: 540 } });
        await tick(3);
        expect(video.applied).toHaveLength(1); // 500 kbps is enough for 540p: it stays
        target = 300_000;
        await tick(4);
        expect(video.applied.at(-1)).toEqual({ width: { ideal: 640 }, height: { ideal: 360 } });
        target = 1_000_000; // 540p needs 700 kbps: back up one rung (with headroom)
        await tick(5);
        expect(video.applied.at(-1)).toEqual({ width: { ideal: 960 }, height: { ideal: 540 } });
        target = 2_500_000;
        for (let i = 6; i < 10; i++) await tick(i);
        // Never above the camera's own size.
        expect(video.applied.at(-1)).toEqual({ width: { ideal: 1280 }, height: { ideal: 720 } });
        streamer.stop();
    });

    it('mute/unmute toggle the sent tracks without renegotiation', async () => {
        const { streamer } = newStreamer();
        const camera = fakeCamera();
        streamer.start(camera, { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        streamer.muteVideo();
        streamer.muteAudio();
        expect(camera.getVideoTracks()[0]!.enabled).toBe(false);
        expect(camera.getAudioTracks()[0]!.enabled).toBe(false);
        expect(streamer.isMuted('video')).toBe(true);
        streamer.unmuteVideo();
        expect(camera.getVideoTracks()[0]!.enabled).toBe(true);
        expect(lastSocket().sent.filter((m) => m.type === 'offer_sdp')).toHaveLength(1);
        streamer.stop();
    });

    it('replaceTrack switches the camera and the new track is published after a reconnection', async () => {
        vi.spyOn(Math, 'random').mockReturnValue(0);
        // Browsers have a MediaStream constructor; the Streamer builds the new session's stream with it.
        vi.stubGlobal('MediaStream', FakeStream);
        const { streamer, states } = newStreamer();
        const camera = fakeCamera();
        streamer.start(camera, { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        const other = new FakeTrack('video') as unknown as MediaStreamTrack;
        await streamer.replaceTrack('video', other);
        expect(videoSender(FakePeerConnection.instances[0]!).track).toBe(other);
        lastSocket().serverClose(1006);
        await vi.advanceTimersByTimeAsync(100);
        expect(states).toEqual(['connecting', 'streaming', 'reconnecting', 'streaming']);
        const second = FakePeerConnection.instances[1]!;
        expect(videoSender(second).track).toBe(other);
        // The app's own stream object was not modified.
        expect(camera.getVideoTracks()[0]).not.toBe(other);
        streamer.stop();
    });

    it('setVideoTrack/setAudioTrack (the Ceeblue names) switch tracks without renegotiation; getters report the session', async () => {
        const { streamer } = newStreamer();
        const camera = fakeCamera();
        expect(streamer.running).toBe(false);
        await expect(streamer.connectionInfos()).rejects.toMatchObject({ code: 'INVALID_STATE' });
        streamer.start(camera, { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        expect(streamer.running).toBe(true);
        expect(streamer.videoTrack).toBe(camera.getVideoTracks()[0]);
        const screen = new FakeTrack('video') as unknown as MediaStreamTrack;
        await streamer.setVideoTrack(screen);
        expect(videoSender(FakePeerConnection.instances[0]!).track).toBe(screen);
        expect(streamer.videoTrack).toBe(screen);
        await streamer.setAudioTrack(null);
        expect(streamer.audioTrack).toBeNull();
        expect(lastSocket().sent.filter((m) => m.type === 'offer_sdp')).toHaveLength(1);
        // The server's constraint (on_video_bitrate) and RTP properties, as last reported.
        lastSocket().serverSend({
            type: 'on_video_bitrate',
            video_bitrate: 900_000,
            video_bitrate_constraint: 1_200_000,
        });
        lastSocket().serverSend({ type: 'on_rtp_props', nack: 5, drop: 30 });
        await vi.advanceTimersByTimeAsync(10);
        expect(streamer.videoBitrateConstraint).toBe(1_200_000);
        expect(streamer.rtpProps).toEqual({ nack: 5, drop: 30 });
        expect(await streamer.connectionInfos()).toMatchObject({ inbound: {}, outbound: {} });
        streamer.stop();
    });

    it('reconnect: false stops at the first loss', async () => {
        const { streamer, states, stops } = newStreamer({ reconnect: false });
        streamer.start(fakeCamera(), { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        lastSocket().serverClose(1006);
        await vi.advanceTimersByTimeAsync(100);
        expect(states).toEqual(['connecting', 'streaming', 'stopped']);
        expect(stops.map((e) => e?.code)).toEqual(['CONNECTION_LOST']);
        expect(FakePeerConnection.instances).toHaveLength(1);
    });

    it('stop() leaves the app tracks running and releases the session', async () => {
        const { streamer, stops } = newStreamer({ statsIntervalMs: 1000 });
        const camera = fakeCamera();
        streamer.start(camera, { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        streamer.stop();
        streamer.stop();
        await vi.advanceTimersByTimeAsync(10);
        expect(stops).toEqual([undefined]);
        expect(camera.getTracks().every((t) => t.readyState === 'live')).toBe(true);
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(FakeWebSocket.open).toHaveLength(0);
        expect(vi.getTimerCount()).toBe(0);
    });
});

describe('Streamer.sendData', () => {
    beforeEach(() => {
        vi.useFakeTimers();
        FakeWebSocket.reset();
        FakePeerConnection.reset();
    });
    afterEach(() => vi.useRealTimers());

    it('sends timed data on the open session’s data channel; false before it, throws on bad data', async () => {
        FakePeerConnection.autoConnectMs = 1;
        const { streamer } = newStreamer();
        expect(() => streamer.sendData(() => 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        expect(streamer.sendData({ n: 0 })).toBe(false);
        streamer.start(fakeCamera(), { endPoint, streamName: 'cam' });
        await vi.advanceTimersByTimeAsync(50);
        expect(streamer.state).toBe('streaming');
        expect(streamer.sendData({ n: 1 })).toBe(true);
        const channel = FakeDataChannel.labelled('JSON').at(-1)!;
        expect(channel.sent).toEqual(['{"n":1}']);
        expect(() => streamer.sendData(undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        streamer.stop();
        expect(streamer.sendData({ n: 2 })).toBe(false);
    });
});
