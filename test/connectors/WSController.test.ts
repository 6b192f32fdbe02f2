import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { WSController } from '../../src/connectors/WSController';
import type { WSControllerEvents } from '../../src/connectors/WSController';
import { RtcError, type RtcErrorCode } from '../../src/core/RtcError';
import type { Logger } from '../../src/core/logger';
import type { EventName } from '../../src/core/Emitter';
import type {
    ConnectParams,
    ConnectorOptions,
    RTCPeerConnectionConstructor,
    WebSocketConstructor,
} from '../../src/core/types';
import type { ServerMessage } from '../../src/signaling/messages';
import { FakePeerConnection, serverAnswer } from '../fakes/FakePeerConnection';
import { FakeStream, FakeTrack, fakeCamera } from '../fakes/media';
import { delay, waitUntil } from '../helpers/wait';

type Msg = Record<string, unknown> & { type: string };

/** The server side of one client socket. */
class Peer {
    readonly messages: Msg[] = [];
    closeCode: number | undefined;
    constructor(
        readonly ws: NodeWebSocket,
        readonly path: string,
    ) {
        ws.on('close', (code) => (this.closeCode = code));
    }
    get closed(): boolean {
        return this.closeCode !== undefined;
    }
    received(type: string): Msg[] {
        return this.messages.filter((m) => m.type === type);
    }
    /** The `nth` message of `type` (1-based), waiting for it. */
    async waitFor(type: string, nth = 1): Promise<Msg> {
        await waitUntil(() => this.received(type).length >= nth, `'${type}' #${nth} at the server`);
        return this.received(type)[nth - 1]!;
    }
    send(message: object | string | Buffer): void {
        this.ws.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
    }
    async waitClosed(): Promise<void> {
        await waitUntil(() => this.closed, 'the socket to close at the server');
    }
}

/** A MistServer-like signaling server on 127.0.0.1: answers offers unless told not to. */
class TestServer {
    readonly peers: Peer[] = [];
    answer: 'auto' | 'manual' = 'auto';
    rejectAudio = false;
    private constructor(readonly wss: WebSocketServer) {
        wss.on('connection', (ws, request) => {
            const peer = new Peer(ws, request.url ?? '');
            this.peers.push(peer);
            ws.on('message', (data) => {
                const message = JSON.parse(String(data)) as Msg;
                peer.messages.push(message);
                if (message.type === 'offer_sdp' && this.answer === 'auto') {
                    peer.send(this.answerTo(message));
                }
            });
        });
    }

    static async start(): Promise<TestServer> {
        const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
        await new Promise<void>((resolve) => wss.once('listening', resolve));
        return new TestServer(wss);
    }

    get port(): number {
        return (this.wss.address() as { port: number }).port;
    }

    answerTo(offer: Msg): object {
        return {
            type: 'on_answer_sdp',
            result: true,
            answer_sdp: serverAnswer(String(offer.offer_sdp), { rejectAudio: this.rejectAudio }),
        };
    }

    async peer(index = 0): Promise<Peer> {
        await waitUntil(() => this.peers.length > index, `connection #${index + 1}`);
        return this.peers[index]!;
    }

    async close(): Promise<void> {
        for (const peer of this.peers) peer.ws.terminate();
        await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    }
}

/** A scripted in-memory socket, for tests driven by fake timers. */
class MemorySocket {
    static instances: MemorySocket[] = [];
    readyState = 0;
    readonly sent: Msg[] = [];
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    closeCalls = 0;
    constructor(readonly url: string) {
        MemorySocket.instances.push(this);
    }
    send(text: string): void {
        this.sent.push(JSON.parse(text) as Msg);
    }
    close(): void {
        this.closeCalls++;
        this.readyState = 3;
    }
    open(): void {
        this.readyState = 1;
        this.onopen?.({});
    }
    receive(message: object): void {
        this.onmessage?.({ data: JSON.stringify(message) });
    }
}

let server: TestServer;
const controllers: WSController[] = [];

beforeEach(async () => {
    FakePeerConnection.reset();
    MemorySocket.instances = [];
    server = await TestServer.start();
});

afterEach(async () => {
    vi.useRealTimers();
    for (const ctrl of controllers.splice(0)) ctrl.close();
    await server.close();
    FakePeerConnection.reset();
});

function options(extra: ConnectorOptions = {}): ConnectorOptions {
    return {
        RTCPeerConnection: FakePeerConnection as unknown as RTCPeerConnectionConstructor,
        WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
        logLevel: 'silent',
        ...extra,
    };
}

function params(extra: Partial<ConnectParams> = {}): ConnectParams {
    return { endPoint: `ws://127.0.0.1:${server.port}`, streamName: 'live', ...extra };
}

function player(extra: ConnectorOptions = {}, connect: Partial<ConnectParams> = {}): WSController {
    const ctrl = new WSController(params(connect), undefined, options(extra));
    controllers.push(ctrl);
    return ctrl;
}

function publisher(stream: MediaStream = fakeCamera(), extra: ConnectorOptions = {}): WSController {
    const ctrl = new WSController(params(), stream, options(extra));
    controllers.push(ctrl);
    return ctrl;
}

/** Records every emission of `event` (subscription, so property handlers stay free for tests). */
function record<K extends EventName<WSControllerEvents>>(ctrl: WSController, event: K): WSControllerEvents[K][] {
    const calls: WSControllerEvents[K][] = [];
    ctrl.on(event, ((...args: WSControllerEvents[K]) => calls.push(args)) as never);
    return calls;
}

function expectRtcError(error: unknown, code: RtcErrorCode, retryable?: boolean): RtcError {
    expect(error).toBeInstanceOf(RtcError);
    const rtc = error as RtcError;
    expect(rtc.code).toBe(code);
    if (retryable !== undefined) expect(rtc.retryable).toBe(retryable);
    return rtc;
}

function syncThrow(fn: () => unknown): unknown {
    try {
        fn();
    } catch (error) {
        return error;
    }
    throw new Error('expected a synchronous throw');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
    } catch (error) {
        return error;
    }
    throw new Error('expected a rejection');
}

async function openPlayer(extra: ConnectorOptions = {}): Promise<{ ctrl: WSController; peer: Peer }> {
    const ctrl = player(extra);
    await ctrl.once('open');
    return { ctrl, peer: await server.peer() };
}

const onTime = (tracks: number[] = [1, 0], current = 12345) => ({
    type: 'on_time',
    data: { begin: 0, current, end: current + 55, jitter: 30, play_rate_curr: 'auto', tracks },
});

describe('WSController: opening', () => {
    it('a player opens with a 2-track stream, offering recvonly audio+video with Opus stereo', async () => {
        const ctrl = player({}, { query: { video: '1' }, accessToken: 'tok' });
        expect(ctrl.state).toBe('connecting');
        expect(ctrl.publishing).toBe(false);
        expect(ctrl.streamName).toBe('live');
        const stream = await ctrl.once('open');
        expect(stream).toBeInstanceOf(FakeStream);
        expect(stream.getTracks()).toHaveLength(2);
        expect(ctrl.state).toBe('open');
        expect(ctrl.opened).toBe(true);
        expect(ctrl.stream).toBe(stream);
        expect([...ctrl.codecs].sort()).toEqual(['OPUS', 'VP8']);
        expect(ctrl.timings.socketOpen).toBeTypeOf('number');
        expect(ctrl.timings.answer).toBeGreaterThanOrEqual(ctrl.timings.socketOpen!);

        const peer = await server.peer();
        expect(peer.path).toBe('/webrtc/live?video=1&tkn=tok');
        expect(peer.messages[0]!.type).toBe('offer_sdp');
        const offer = String(peer.messages[0]!.offer_sdp);
        expect(offer).toMatch(/a=fmtp:111 .*stereo=1/);
        expect(offer).toMatch(/sprop-stereo=1/);
        const directions = offer.match(/a=(sendonly|recvonly|sendrecv)/g);
        expect(directions).toEqual(['a=recvonly', 'a=recvonly']);
    });

    it('a player opens with 1 track when the server rejects audio', async () => {
        server.rejectAudio = true;
        const ctrl = player();
        const stream = await ctrl.once('open');
        expect(stream.getTracks()).toHaveLength(1);
        expect(stream.getTracks()[0]!.kind).toBe('video');
        expect(ctrl.codecs.has('OPUS')).toBe(false);
    });

    it('a publisher offers sendonly and opens only when the peer connection connects', async () => {
        FakePeerConnection.autoConnectMs = -1;
        const camera = fakeCamera();
        const ctrl = publisher(camera);
        expect(ctrl.publishing).toBe(true);
        const opens = record(ctrl, 'open');
        const peer = await server.peer();
        const offer = String((await peer.waitFor('offer_sdp')).offer_sdp);
        expect(offer.match(/a=(sendonly|recvonly|sendrecv)/g)).toEqual(['a=sendonly', 'a=sendonly']);
        expect(offer).toMatch(/stereo=1/);
        await waitUntil(() => FakePeerConnection.instances[0]?.remoteDescription != null, 'the answer');
        await delay(30);
        expect(opens).toHaveLength(0);
        expect(ctrl.state).toBe('connecting');
        FakePeerConnection.instances[0]!.setState('connected');
        const stream = await ctrl.once('open');
        expect(stream).toBe(camera);
        expect(ctrl.timings.dtlsConnected).toBeTypeOf('number');
    });

    it('throws INVALID_ARGUMENT synchronously without a stream name', () => {
        const error = syncThrow(
            () => new WSController({ endPoint: `ws://127.0.0.1:${server.port}` }, undefined, options()),
        );
        expectRtcError(error, 'INVALID_ARGUMENT');
        expect(FakePeerConnection.instances).toHaveLength(0);
    });

    it('closes with NOT_SUPPORTED when there is no WebSocket implementation', async () => {
        vi.stubGlobal('WebSocket', undefined);
        try {
            const ctrl = new WSController(params(), undefined, { ...options(), WebSocket: undefined });
            controllers.push(ctrl);
            expectRtcError(await ctrl.once('close'), 'NOT_SUPPORTED');
            expect(FakePeerConnection.live).toHaveLength(0);
        } finally {
            vi.unstubAllGlobals();
        }
    });
});

describe('WSController: events and handlers', () => {
    it('handlers added after construction see open (property and subscription)', async () => {
        const ctrl = player();
        const seen: string[] = [];
        ctrl.onOpen = (stream) => seen.push(`prop:${stream.getTracks().length}`);
        ctrl.on('open', (stream) => seen.push(`on:${stream.getTracks().length}`));
        ctrl.onState = (state) => seen.push(`state:${state}`);
        await ctrl.once('open');
        await delay(0);
        expect(seen).toEqual(['state:open', 'prop:2', 'on:2']);
    });

    it('once("open") without a callback returns a Promise of the stream', async () => {
        const ctrl = player();
        const promise = ctrl.once('open');
        expect(promise).toBeInstanceOf(Promise);
        const stream = await promise;
        expect(stream.getTracks()).toHaveLength(2);
        expect(ctrl.listenerCount('open')).toBe(0);
    });

    it('an aborted signal unsubscribes a listener', async () => {
        const { ctrl, peer } = await openPlayer();
        const ac = new AbortController();
        const withSignal: number[] = [];
        const all = record(ctrl, 'playing');
        ctrl.on('playing', (infos) => withSignal.push(infos.current), { signal: ac.signal });
        peer.send(onTime([1, 0], 1000));
        await waitUntil(() => all.length === 1, 'first playing');
        ac.abort();
        peer.send(onTime([1, 0], 2000));
        await waitUntil(() => all.length === 2, 'second playing');
        expect(withSignal).toEqual([1000]);
    });

    it('a throwing listener does not break the session', async () => {
        const ctrl = player();
        ctrl.onOpen = () => {
            throw new Error('app bug');
        };
        ctrl.on('open', () => {
            throw new Error('another app bug');
        });
        ctrl.onPlaying = () => {
            throw new Error('playing bug');
        };
        const opens = record(ctrl, 'open');
        const playing = record(ctrl, 'playing');
        await ctrl.once('open');
        const peer = await server.peer();
        peer.send(onTime());
        await waitUntil(() => playing.length === 1, 'playing after a throwing handler');
        expect(opens).toHaveLength(1);
        expect(ctrl.state).toBe('open');
        const props = ctrl.setRTPProps(10, 20);
        await peer.waitFor('rtp_props');
        peer.send({ type: 'on_rtp_props', result: true, nack: 10, drop: 20 });
        await expect(props).resolves.toEqual({ nack: 10, drop: 20 });
    });

    it('emits every server report as its event, and every message as `message`', async () => {
        const { ctrl, peer } = await openPlayer();
        const seen: string[] = [];
        ctrl.onPlaying = (infos) => seen.push(`playing:${infos.current}:${infos.tracks.join(',')}`);
        ctrl.onVideoBitrate = (bitrate, constraint) => seen.push(`videoBitrate:${bitrate}:${constraint}`);
        ctrl.onRTPProps = (props) => seen.push(`rtpProps:${props.nack}:${props.drop}`);
        ctrl.onMediaReport = (report) => seen.push(`mediaReport:${report.millis}:${report.stats.lossPerc}`);
        ctrl.onTrackDrop = (info) => seen.push(`trackDrop:${info.track}:${info.mediaType}`);
        ctrl.onKeyframeInterval = (ms) => seen.push(`keyframeInterval:${ms}`);
        ctrl.onSpeed = (infos) => seen.push(`speed:${infos.playRatePrev}>${infos.playRate}`);
        ctrl.onSeeked = (infos) => seen.push(`seeked:${infos.livePoint}`);
        ctrl.onPaused = (paused) => seen.push(`paused:${paused}`);
        ctrl.onWarning = (text) => seen.push(`warning:${text}`);
        const messages = record(ctrl, 'message');

        peer.send({ type: 'on_time', begin: 0, current: '500', end: 900, tracks: ['2', '0'] });
        peer.send({ type: 'on_video_bitrate', result: true, video_bitrate: 800000, video_bitrate_constraint: 2500000 });
        peer.send({ type: 'on_rtp_props', result: true, nack: 100, drop: 500 });
        peer.send({
            type: 'on_media_receive',
            millis: 100,
            tracks: ['H264', 'opus'],
            stats: { jitter_ms: 1, loss_num: 2, loss_perc: 0.5, nack_num: 3 },
        });
        peer.send({ type: 'on_track_drop', track: 1, mediatype: 'audio' });
        peer.send({ type: 'on_keyframe_interval', result: 2000 });
        peer.send({ type: 'set_speed', data: { play_rate_prev: 'fast-forward', play_rate_curr: 'auto' } });
        peer.send({ type: 'seek', data: { live_point: true, play_rate_curr: 'auto' } });
        peer.send({ type: 'pause', paused: true });
        peer.send({ type: 'warning', warning: 'Fast-forward not possible' });
        await waitUntil(() => seen.length === 10, 'ten events');
        expect(seen).toEqual([
            'playing:500:2,0',
            'videoBitrate:800000:2500000',
            'rtpProps:100:500',
            'mediaReport:100:0.5',
            'trackDrop:1:audio',
            'keyframeInterval:2000',
            'speed:fast-forward>auto',
            'seeked:true',
            'paused:true',
            'warning:Fast-forward not possible',
        ]);
        expect(messages.map(([m]) => m.type)).toEqual([
            'on_time',
            'on_video_bitrate',
            'on_rtp_props',
            'on_media_receive',
            'on_track_drop',
            'on_keyframe_interval',
            'set_speed',
            'seek',
            'pause',
            'warning',
        ]);
        expect(ctrl.opened).toBe(true);
    });

    it('the answer itself is reported as a `message`', async () => {
        const ctrl = player();
        const messages = record(ctrl, 'message');
        await ctrl.once('open');
        expect(messages[0]![0]).toMatchObject({ type: 'on_answer_sdp', result: true });
    });

    it('malformed, binary, oversized, unknown and incomplete frames are ignored; the session continues', async () => {
        const warnings: string[] = [];
        const logger: Logger = {
            debug: () => undefined,
            info: () => undefined,
            warn: (message) => warnings.push(message),
            error: (message) => warnings.push(message),
        };
        const { ctrl, peer } = await openPlayer({ logLevel: 'debug', logger, watchdogMs: 200 });
        const messages = record(ctrl, 'message');
        const playing = record(ctrl, 'playing');
        const closes = record(ctrl, 'close');
        peer.send('this is not json');
        peer.send(Buffer.from(JSON.stringify(onTime())));
        peer.send('{"type":"on_something_new"}');
        peer.send(JSON.stringify({ type: 'warning', warning: 'x'.repeat(1024 * 1024 + 10) }));
        peer.send('{"type":"on_time","data":{"current":1}}');
        peer.send('[1,2,3]');
        peer.send(onTime([3], 777));
        await waitUntil(() => playing.length === 1, 'the valid on_time');
        expect(playing[0]![0]).toMatchObject({ current: 777, tracks: [3] });
        expect(messages.map(([m]) => m.type)).toEqual(['on_time']);
        expect(warnings.some((w) => /malformed JSON/.test(w))).toBe(true);
        expect(warnings.some((w) => /binary/.test(w))).toBe(true);
        expect(warnings.some((w) => /too large/.test(w))).toBe(true);
        expect(warnings.some((w) => /'tracks'|'begin'/.test(w))).toBe(true);
        // Unknown types are expected (debug only), not warnings.
        expect(warnings.some((w) => /on_something_new/.test(w))).toBe(false);
        expect(closes).toHaveLength(0);
        expect(ctrl.opened).toBe(true);
    });
});

describe('WSController: commands', () => {
    it('setRTPProps sends rtp_props and resolves with on_rtp_props', async () => {
        const { ctrl, peer } = await openPlayer();
        const events = record(ctrl, 'rtpProps');
        const result = ctrl.setRTPProps(100, 500);
        expect(await peer.waitFor('rtp_props')).toEqual({ type: 'rtp_props', nack: 100, drop: 500 });
        peer.send({ type: 'on_rtp_props', result: true, nack: 100, drop: 500 });
        await expect(result).resolves.toEqual({ nack: 100, drop: 500 });
        await waitUntil(() => events.length === 1, 'rtpProps event');
        // No argument = a query.
        const query = ctrl.setRTPProps();
        expect(await peer.waitFor('rtp_props', 2)).toEqual({ type: 'rtp_props' });
        peer.send({ type: 'on_rtp_props', result: true, nack: 150, drop: 600 });
        await expect(query).resolves.toEqual({ nack: 150, drop: 600 });
    });

    it('setVideoBitrate resolves with the accepted bitrate and constraint', async () => {
        const ctrl = publisher();
        await ctrl.once('open');
        const peer = await server.peer();
        const result = ctrl.setVideoBitrate(800_000.4);
        expect(await peer.waitFor('video_bitrate')).toEqual({ type: 'video_bitrate', video_bitrate: 800000 });
        peer.send({ type: 'on_video_bitrate', result: true, video_bitrate: 800000, video_bitrate_constraint: 600000 });
        await expect(result).resolves.toEqual({ videoBitrate: 800000, constraint: 600000 });
    });

    it('two pending commands of the same reply type resolve FIFO', async () => {
        const ctrl = publisher();
        await ctrl.once('open');
        const peer = await server.peer();
        const first = ctrl.setVideoBitrate(1_000_000);
        const second = ctrl.setVideoBitrate(2_000_000);
        await peer.waitFor('video_bitrate', 2);
        peer.send({ type: 'on_video_bitrate', video_bitrate: 1000000, video_bitrate_constraint: 3000000 });
        peer.send({ type: 'on_video_bitrate', video_bitrate: 2000000, video_bitrate_constraint: 3000000 });
        await expect(first).resolves.toEqual({ videoBitrate: 1000000, constraint: 3000000 });
        await expect(second).resolves.toEqual({ videoBitrate: 2000000, constraint: 3000000 });
    });

    it('setKeyframeInterval resolves with the accepted interval; below 500 ms throws synchronously', async () => {
        const ctrl = publisher();
        await ctrl.once('open');
        const peer = await server.peer();
        expectRtcError(
            syncThrow(() => ctrl.setKeyframeInterval(499)),
            'INVALID_ARGUMENT',
        );
        const result = ctrl.setKeyframeInterval(1000);
        expect(await peer.waitFor('keyframe_interval')).toEqual({
            type: 'keyframe_interval',
            keyframe_interval_millis: 1000,
        });
        peer.send({ type: 'on_keyframe_interval', result: 1000 });
        await expect(result).resolves.toBe(1000);
        expect(peer.received('keyframe_interval')).toHaveLength(1);
    });

    it('setTracks / setVideoTrack / setAudioTrack send tracks and resolve with the next on_time', async () => {
        const { ctrl, peer } = await openPlayer();
        const both = ctrl.setTracks({ audio: 'none', video: 2 });
        expect(await peer.waitFor('tracks')).toEqual({ type: 'tracks', audio: 'none', video: '2' });
        peer.send(onTime([2], 5000));
        await expect(both).resolves.toMatchObject({ current: 5000, tracks: [2], playRate: 'auto', jitter: 30 });

        const video = ctrl.setVideoTrack('auto');
        expect(await peer.waitFor('tracks', 2)).toEqual({ type: 'tracks', video: 'auto' });
        peer.send(onTime([1], 6000));
        await expect(video).resolves.toMatchObject({ tracks: [1] });

        const audio = ctrl.setAudioTrack(0);
        expect(await peer.waitFor('tracks', 3)).toEqual({ type: 'tracks', audio: '0' });
        peer.send(onTime([1, 0], 7000));
        await expect(audio).resolves.toMatchObject({ tracks: [1, 0] });
    });

    it('a seek or set_speed reply with an error rejects that command with REFUSED, the session stays', async () => {
        const { ctrl, peer } = await openPlayer();
        const seeked = ctrl.seek(5000);
        await peer.waitFor('seek');
        peer.send({ type: 'seek', error: 'seek failed, continuing as-is' });
        const error = await seeked.then(
            () => undefined,
            (e: unknown) => e,
        );
        expectRtcError(error, 'REFUSED');
        expect((error as RtcError).message).toBe('seek refused: seek failed, continuing as-is');
        const speed = ctrl.setSpeed(4);
        await peer.waitFor('set_speed');
        peer.send({ type: 'set_speed', error: 'speed not allowed' });
        await expect(speed).rejects.toMatchObject({ code: 'REFUSED', message: 'set_speed refused: speed not allowed' });
        expect(ctrl.opened).toBe(true);
    });

    it('seek, play, pause and setSpeed', async () => {
        const { ctrl, peer } = await openPlayer();
        const seeked = ctrl.seek(5000);
        expect(await peer.waitFor('seek')).toEqual({ type: 'seek', seek_time: 5000 });
        peer.send({ type: 'seek', data: { live_point: false, play_rate_curr: 'auto' } });
        await expect(seeked).resolves.toEqual({ livePoint: false, playRate: 'auto' });

        // pause() sends hold: `pause` toggles on MistServer.
        const paused = ctrl.pause();
        expect(await peer.waitFor('hold')).toEqual({ type: 'hold' });
        expect(peer.received('pause')).toEqual([]);
        peer.send({ type: 'pause', paused: true });
        await expect(paused).resolves.toBe(true);

        await expect(ctrl.play()).resolves.toBeUndefined();
        expect(await peer.waitFor('play')).toEqual({ type: 'play' });
        await ctrl.play(1500);
        expect(await peer.waitFor('play', 2)).toEqual({ type: 'play', seek_time: 1500 });

        const speed = ctrl.setSpeed(2);
        expect(await peer.waitFor('set_speed')).toEqual({ type: 'set_speed', play_rate: 2 });
        peer.send({ type: 'set_speed', data: { play_rate_prev: 'auto', play_rate_curr: 2 } });
        await expect(speed).resolves.toEqual({ playRate: 2, playRatePrev: 'auto' });

        const auto = ctrl.setSpeed('auto');
        expect(await peer.waitFor('set_speed', 2)).toEqual({ type: 'set_speed', play_rate: 0 });
        peer.send({ type: 'set_speed', data: { play_rate_prev: 2, play_rate_curr: 'auto' } });
        await expect(auto).resolves.toMatchObject({ playRate: 'auto' });
    });

    it('send() is fire and forget; params cannot override the type', async () => {
        const { ctrl, peer } = await openPlayer();
        expect(ctrl.send('fast_forward', { ff_to: 3000 })).toBeUndefined();
        ctrl.send('hold');
        ctrl.send('custom', { type: 'stop', value: 1 });
        expect(await peer.waitFor('fast_forward')).toEqual({ type: 'fast_forward', ff_to: 3000 });
        expect(await peer.waitFor('hold')).toEqual({ type: 'hold' });
        expect(await peer.waitFor('custom')).toEqual({ type: 'custom', value: 1 });
        expect(peer.received('stop')).toHaveLength(0);
    });

    it('bad arguments throw INVALID_ARGUMENT synchronously and send nothing', async () => {
        const { ctrl, peer } = await openPlayer();
        const bad: (() => unknown)[] = [
            () => ctrl.setVideoBitrate(0),
            () => ctrl.setVideoBitrate(Number.NaN),
            () => ctrl.setVideoBitrate('1000' as never),
            () => ctrl.setRTPProps(-1),
            () => ctrl.setRTPProps(10, Infinity),
            () => ctrl.setKeyframeInterval(Number.NaN),
            () => ctrl.setTracks({}),
            () => ctrl.setTracks(null as never),
            () => ctrl.setTracks({ video: -1 }),
            () => ctrl.setTracks({ video: 1.5 }),
            () => ctrl.setVideoTrack('best' as never),
            () => ctrl.seek(-5),
            () => ctrl.setSpeed(-1),
            () => ctrl.play(Number.NaN),
            () => ctrl.send(''),
            () => ctrl.send('x', [] as never),
            () => ctrl.send('x', null as never),
            () => ctrl.send(3 as never),
            () => ctrl.send('x', { n: 1n }),
        ];
        for (const call of bad) expectRtcError(syncThrow(call), 'INVALID_ARGUMENT');
        // Prove the socket still works and nothing else was sent before this.
        ctrl.send('marker');
        await peer.waitFor('marker');
        expect(peer.messages.map((m) => m.type)).toEqual(['offer_sdp', 'marker']);
    });

    it('a reply timeout rejects with TIMEOUT and the session stays open', async () => {
        const { ctrl, peer } = await openPlayer({ commandTimeoutMs: 80 });
        const closes = record(ctrl, 'close');
        const started = Date.now();
        const error = await rejection(ctrl.setRTPProps(1, 2));
        expectRtcError(error, 'TIMEOUT');
        expect(Date.now() - started).toBeGreaterThanOrEqual(70);
        expect(ctrl.opened).toBe(true);
        expect(closes).toHaveLength(0);
        // A late reply no longer matches anything (it is still reported), and the next command works.
        // Replies carry no id: a late reply arriving after the next command was sent would match it.
        const reports = record(ctrl, 'rtpProps');
        peer.send({ type: 'on_rtp_props', nack: 1, drop: 2 });
        await waitUntil(() => reports.length === 1, 'the late reply');
        const next = ctrl.setRTPProps(3, 4);
        await peer.waitFor('rtp_props', 2);
        peer.send({ type: 'on_rtp_props', nack: 3, drop: 4 });
        await expect(next).resolves.toEqual({ nack: 3, drop: 4 });
    });

    it('commands before the socket is open are queued and sent after the offer', async () => {
        const ctrl = player();
        const props = ctrl.setRTPProps(50, 60);
        ctrl.send('hold');
        const peer = await server.peer();
        await peer.waitFor('hold');
        expect(peer.messages.map((m) => m.type)).toEqual(['offer_sdp', 'rtp_props', 'hold']);
        peer.send({ type: 'on_rtp_props', nack: 50, drop: 60 });
        await expect(props).resolves.toEqual({ nack: 50, drop: 60 });
    });

    it('an on_error for a command after open rejects it (REFUSED), logs a warning and keeps the session', async () => {
        const warnings: string[] = [];
        const logger: Logger = {
            debug: () => undefined,
            info: () => undefined,
            warn: (message) => warnings.push(message),
            error: () => undefined,
        };
        const ctrl = publisher(fakeCamera(), { logger, logLevel: 'warn' });
        await ctrl.once('open');
        const peer = await server.peer();
        const messages = record(ctrl, 'message');
        const closes = record(ctrl, 'close');
        const result = ctrl.setKeyframeInterval(600);
        await peer.waitFor('keyframe_interval');
        peer.send({ type: 'on_error', command: 'keyframe_interval', message: 'Not supported for this track' });
        const error = expectRtcError(await rejection(result), 'REFUSED', false);
        expect(error.message).toMatch(/Not supported for this track/);
        await waitUntil(() => messages.length === 1, 'the message event');
        expect(messages[0]![0]).toEqual({
            type: 'on_error',
            command: 'keyframe_interval',
            message: 'Not supported for this track',
        });
        expect(warnings.some((w) => /Not supported for this track/.test(w))).toBe(true);
        // An on_error about nothing pending is only a warning too.
        peer.send({ type: 'on_error', command: 'video_bitrate', message: 'too high' });
        await waitUntil(() => messages.length === 2, 'the second message event');
        await delay(20);
        expect(closes).toHaveLength(0);
        expect(ctrl.opened).toBe(true);
    });

    it('pending and queued commands reject with INVALID_STATE when the app closes', async () => {
        const { ctrl, peer } = await openPlayer();
        const pending = ctrl.setRTPProps(1, 2);
        await peer.waitFor('rtp_props');
        ctrl.close();
        expectRtcError(await rejection(pending), 'INVALID_STATE');

        const early = player();
        const queued = early.setVideoBitrate(1000);
        const queuedPlay = early.play();
        early.close();
        expectRtcError(await rejection(queued), 'INVALID_STATE');
        expectRtcError(await rejection(queuedPlay), 'INVALID_STATE');
    });

    it('pending commands reject with the close error when the server ends the session', async () => {
        const { ctrl, peer } = await openPlayer();
        const pending = ctrl.setTracks({ video: 1 });
        await peer.waitFor('tracks');
        peer.send({ type: 'on_stop', data: { begin: 0, current: 1, end: 1 } });
        expectRtcError(await rejection(pending), 'STREAM_ENDED');
    });

    it('commands after close reject with INVALID_STATE; send() drops silently', async () => {
        const { ctrl, peer } = await openPlayer();
        ctrl.close();
        expectRtcError(await rejection(ctrl.setRTPProps()), 'INVALID_STATE');
        expectRtcError(await rejection(ctrl.setVideoBitrate(1000)), 'INVALID_STATE');
        expectRtcError(await rejection(ctrl.setTracks({ video: 'auto' })), 'INVALID_STATE');
        expectRtcError(await rejection(ctrl.pause()), 'INVALID_STATE');
        expectRtcError(await rejection(ctrl.play()), 'INVALID_STATE');
        expect(() => ctrl.send('hold')).not.toThrow();
        await peer.waitClosed();
        expect(peer.received('hold')).toHaveLength(0);
    });
});

describe('WSController: refusal, end and loss', () => {
    it('a refused answer closes with REFUSED (not retryable), without open', async () => {
        server.answer = 'manual';
        const ctrl = player();
        const opens = record(ctrl, 'open');
        const peer = await server.peer();
        await peer.waitFor('offer_sdp');
        peer.send({ type: 'on_answer_sdp', result: false });
        expectRtcError(await ctrl.once('close'), 'REFUSED', false);
        expect(opens).toHaveLength(0);
        expect(ctrl.state).toBe('closed');
        await peer.waitClosed();
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('on_error before the answer closes with REFUSED carrying the server message', async () => {
        server.answer = 'manual';
        const ctrl = player();
        const peer = await server.peer();
        await peer.waitFor('offer_sdp');
        peer.send({ type: 'on_error', command: 'offer_sdp', message: 'Not allowed to play this stream' });
        const error = expectRtcError(await ctrl.once('close'), 'REFUSED', false);
        expect(error.message).toMatch(/Not allowed to play this stream/);
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('on_error "Stream open failed" before the answer closes with STREAM_NOT_FOUND', async () => {
        server.answer = 'manual';
        const ctrl = player();
        const peer = await server.peer();
        await peer.waitFor('offer_sdp');
        peer.send({ type: 'on_error', message: 'Stream open failed' });
        peer.ws.close();
        const error = expectRtcError(await ctrl.once('close'), 'STREAM_NOT_FOUND', false);
        expect(error.message).toMatch(/Stream open failed/);
    });

    it('on_stop closes with STREAM_ENDED (not retryable) and sends no stop', async () => {
        const { ctrl, peer } = await openPlayer();
        const closes = record(ctrl, 'close');
        peer.send({ type: 'on_stop', data: { begin: 0, current: 90000, end: 90000 } });
        expectRtcError(await ctrl.once('close'), 'STREAM_ENDED', false);
        await peer.waitClosed();
        expect(peer.received('stop')).toHaveLength(0);
        await delay(10);
        expect(closes).toHaveLength(1);
    });

    it('a socket terminated without a close frame after open → CONNECTION_LOST (retryable)', async () => {
        const { ctrl, peer } = await openPlayer();
        peer.ws.terminate();
        const error = expectRtcError(await ctrl.once('close'), 'CONNECTION_LOST', true);
        expect(error.message).toMatch(/1006/);
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('a socket closed cleanly by the server, without on_stop → CONNECTION_LOST', async () => {
        const { ctrl, peer } = await openPlayer();
        peer.ws.close(1000, 'bye');
        const error = expectRtcError(await ctrl.once('close'), 'CONNECTION_LOST', true);
        expect(error.message).toMatch(/1000, bye/);
    });

    it('a socket terminated before the answer → CONNECTION_LOST', async () => {
        server.answer = 'manual';
        const ctrl = player();
        const peer = await server.peer();
        await peer.waitFor('offer_sdp');
        peer.ws.terminate();
        expectRtcError(await ctrl.once('close'), 'CONNECTION_LOST', true);
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('an unreachable server (socket error before open) → SERVER_UNREACHABLE (retryable), naming the URL', async () => {
        const gone = await TestServer.start();
        const port = gone.port;
        await gone.close();
        const ctrl = new WSController(
            { endPoint: `ws://127.0.0.1:${port}`, streamName: 'live', accessToken: 'secret-ws' },
            undefined,
            options(),
        );
        controllers.push(ctrl);
        const closes = record(ctrl, 'close');
        const error = expectRtcError(await ctrl.once('close'), 'SERVER_UNREACHABLE', true);
        expect(error.message).toContain(`ws://127.0.0.1:${port}/webrtc/live?tkn=[redacted]`);
        expect(error.message).toMatch(/check the server address, port and path/);
        // Neither the message nor the cause holds the token (the raw event would, through its socket).
        expect(JSON.stringify({ message: error.message, cause: error.cause })).not.toContain('secret-ws');
        expect(ctrl.timings.socketOpen).toBeUndefined();
        await delay(20);
        expect(closes).toHaveLength(1);
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('no answer within answerTimeoutMs → TIMEOUT', async () => {
        server.answer = 'manual';
        const ctrl = player({ answerTimeoutMs: 100 });
        const peer = await server.peer();
        await peer.waitFor('offer_sdp');
        expectRtcError(await ctrl.once('close'), 'TIMEOUT');
        await peer.waitClosed();
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('a late answer after the timeout is ignored', async () => {
        server.answer = 'manual';
        const ctrl = player({ answerTimeoutMs: 50 });
        const peer = await server.peer();
        const offer = await peer.waitFor('offer_sdp');
        const closes = record(ctrl, 'close');
        const opens = record(ctrl, 'open');
        await ctrl.once('close');
        if (!peer.closed) peer.send(server.answerTo(offer));
        await delay(30);
        expect(opens).toHaveLength(0);
        expect(closes).toHaveLength(1);
    });
});

describe('WSController: watchdog', () => {
    it('a silent server closes a play session with CONNECTION_LOST after watchdogMs', async () => {
        const started = Date.now();
        const { ctrl } = await openPlayer({ watchdogMs: 150 });
        const error = expectRtcError(await ctrl.once('close'), 'CONNECTION_LOST', true);
        expect(error.message).toMatch(/150 ms/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('on_time messages keep the play session alive', async () => {
        const { ctrl, peer } = await openPlayer({ watchdogMs: 150 });
        const closes = record(ctrl, 'close');
        for (let i = 0; i < 8; i++) {
            peer.send(onTime([1, 0], i * 50));
            await delay(50);
        }
        expect(closes).toHaveLength(0);
        expect(ctrl.opened).toBe(true);
        // …and once the server falls silent, the watchdog fires.
        expectRtcError(await ctrl.once('close'), 'CONNECTION_LOST');
    });

    it('watchdogMs: 0 disables it', async () => {
        const { ctrl } = await openPlayer({ watchdogMs: 0 });
        await delay(200);
        expect(ctrl.opened).toBe(true);
    });

    it('a publish session has no watchdog', async () => {
        const ctrl = publisher(fakeCamera(), { watchdogMs: 60 });
        await ctrl.once('open');
        await delay(250);
        expect(ctrl.opened).toBe(true);
    });
});

describe('WSController: closing', () => {
    it('close during connecting: no open, close once without error, pc closed, stop sent, socket closed', async () => {
        server.answer = 'manual';
        const ctrl = player();
        const opens = record(ctrl, 'open');
        const closes = record(ctrl, 'close');
        const states = record(ctrl, 'state');
        const peer = await server.peer();
        const offer = await peer.waitFor('offer_sdp');
        expect(ctrl.state).toBe('connecting');
        ctrl.close();
        expect(ctrl.state).toBe('closed');
        await peer.waitClosed();
        expect(peer.received('stop')).toHaveLength(1);
        // A late answer reaches nobody.
        await delay(20);
        expect(closes).toEqual([[undefined]]);
        expect(opens).toHaveLength(0);
        expect(states).toEqual([['closed']]);
        expect(FakePeerConnection.instances).toHaveLength(1);
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(offer.type).toBe('offer_sdp');
    });

    it('close right after construction (socket still connecting) is clean', async () => {
        const ctrl = player();
        const closes = record(ctrl, 'close');
        const opens = record(ctrl, 'open');
        ctrl.close();
        await delay(50);
        expect(closes).toEqual([[undefined]]);
        expect(opens).toHaveLength(0);
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(server.peers.every((p) => p.messages.length === 0)).toBe(true);
    });

    it('close twice fires close once', async () => {
        const { ctrl, peer } = await openPlayer();
        const closes = record(ctrl, 'close');
        ctrl.close();
        ctrl.close();
        ctrl.close(new RtcError('CONNECTION_LOST', 'late'));
        await peer.waitClosed();
        await delay(10);
        expect(closes).toEqual([[undefined]]);
        expect(peer.received('stop')).toHaveLength(1);
    });

    it('a WebSocket implementation whose close() throws: close still releases the peer connection and fires close once', async () => {
        let threw = false;
        class ThrowingSocket extends NodeWebSocket {
            // ws calls close() itself later (closing handshake): throw on the SDK's call only.
            override close(code?: number, reason?: string): void {
                super.close(code, reason);
                if (threw) return;
                threw = true;
                throw new Error('injected socket close failure');
            }
        }
        const warnings: unknown[][] = [];
        const logger: Logger = { debug() {}, info() {}, warn: (...args) => warnings.push(args), error() {} };
        const { ctrl, peer } = await openPlayer({
            WebSocket: ThrowingSocket as unknown as WebSocketConstructor,
            logger,
            logLevel: 'warn',
        });
        const closes = record(ctrl, 'close');
        expect(() => ctrl.close()).not.toThrow();
        await peer.waitClosed();
        await delay(10);
        expect(closes).toEqual([[undefined]]);
        expect(ctrl.state).toBe('closed');
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(warnings.map(([message]) => message)).toContainEqual(expect.stringContaining('teardown failed'));
    });

    it('after close: no live peer connection, the server saw stop and the socket close, no late events', async () => {
        const { ctrl, peer } = await openPlayer();
        const playing = record(ctrl, 'playing');
        const messages = record(ctrl, 'message');
        expect(FakePeerConnection.live).toHaveLength(1);
        ctrl.close();
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(ctrl.peerConnection).toBeUndefined();
        // The server keeps talking for a moment; nothing reaches the app.
        if (peer.ws.readyState === NodeWebSocket.OPEN) peer.send(onTime());
        await peer.waitClosed();
        expect(peer.received('stop')).toHaveLength(1);
        expect(peer.messages.at(-1)!.type).toBe('stop');
        await delay(20);
        expect(playing).toHaveLength(0);
        expect(messages).toHaveLength(0);
        // The player's remote tracks were stopped.
        expect(ctrl.stream!.getTracks().every((t) => (t as unknown as FakeTrack).readyState === 'ended')).toBe(true);
    });

    it('closing a publisher leaves the app’s tracks running', async () => {
        const camera = fakeCamera();
        const ctrl = publisher(camera);
        await ctrl.once('open');
        ctrl.close();
        expect(camera.getTracks().every((t) => (t as unknown as FakeTrack).readyState === 'live')).toBe(true);
    });
});

describe('WSController: peer connection', () => {
    it('pc connection "failed" → CONNECTION_LOST', async () => {
        const { ctrl, peer } = await openPlayer();
        FakePeerConnection.instances[0]!.setState('failed');
        expectRtcError(await ctrl.once('close'), 'CONNECTION_LOST', true);
        await peer.waitClosed();
    });

    it('pc "disconnected" that recovers within the grace period does not close', async () => {
        const { ctrl } = await openPlayer({ disconnectedGraceMs: 150 });
        const closes = record(ctrl, 'close');
        const pc = FakePeerConnection.instances[0]!;
        await waitUntil(() => pc.connectionState === 'connected', 'connected');
        pc.setState('disconnected');
        await delay(40);
        pc.setState('connected');
        await delay(200);
        expect(closes).toHaveLength(0);
        expect(ctrl.opened).toBe(true);
    });

    it('pc "disconnected" beyond the grace period → CONNECTION_LOST', async () => {
        const { ctrl } = await openPlayer({ disconnectedGraceMs: 100 });
        const pc = FakePeerConnection.instances[0]!;
        await waitUntil(() => pc.connectionState === 'connected', 'connected');
        const started = Date.now();
        pc.setState('disconnected');
        expectRtcError(await ctrl.once('close'), 'CONNECTION_LOST', true);
        expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    });

    it('replaceTrack works on a sender whose track is null', async () => {
        const ctrl = publisher();
        await ctrl.once('open');
        const pc = FakePeerConnection.instances[0]!;
        const videoSender = pc.transceivers.find((t) => t.kind === 'video')!.sender;
        await ctrl.replaceTrack('video', null);
        expect(videoSender.track).toBeNull();
        const next = new FakeTrack('video');
        await ctrl.replaceTrack('video', next as unknown as MediaStreamTrack);
        expect(videoSender.track).toBe(next);
        expect(videoSender.replaced).toEqual([null, next]);
        expect(ctrl.opened).toBe(true);
    });

    it('replaceTrack without a sender of that kind → INVALID_STATE, the session stays open', async () => {
        const ctrl = publisher(new FakeStream([new FakeTrack('video')]) as unknown as MediaStream);
        await ctrl.once('open');
        const closes = record(ctrl, 'close');
        const error = await rejection(
            ctrl.replaceTrack('audio', new FakeTrack('audio') as unknown as MediaStreamTrack),
        );
        expectRtcError(error, 'INVALID_STATE');
        const { ctrl: play } = await openPlayer();
        expectRtcError(await rejection(play.replaceTrack('video', null)), 'INVALID_STATE');
        await delay(10);
        expect(closes).toHaveLength(0);
        expect(ctrl.opened).toBe(true);
        expect(play.opened).toBe(true);
    });

    it('connectionInfos caches samples younger than cacheMs', async () => {
        const { ctrl } = await openPlayer();
        const pc = FakePeerConnection.instances[0]!;
        pc.stats = [
            {
                id: 'in-v',
                type: 'inbound-rtp',
                kind: 'video',
                packetsReceived: 100,
                packetsLost: 0,
                bytesReceived: 1000,
            },
        ];
        const [a, b] = await Promise.all([ctrl.connectionInfos(), ctrl.connectionInfos()]);
        expect(pc.getStatsCalls).toBe(1);
        expect(a).toBe(b);
        expect(a.inbound.video?.packetsReceived).toBe(100);
        await ctrl.connectionInfos(0);
        expect(pc.getStatsCalls).toBe(2);
        ctrl.close();
        expectRtcError(await rejection(ctrl.connectionInfos()), 'INVALID_STATE');
    });
});

describe('WSController: timers and late events (in-memory socket, fake timers)', () => {
    function memoryController(stream?: MediaStream, extra: ConnectorOptions = {}): WSController {
        const ctrl = new WSController(
            { endPoint: 'ws://127.0.0.1:9', streamName: 'live' },
            stream,
            options({ WebSocket: MemorySocket as unknown as WebSocketConstructor, ...extra }),
        );
        controllers.push(ctrl);
        return ctrl;
    }

    /** The socket of the controller just created: the session starts a microtask after construction. */
    async function startedSocket(): Promise<MemorySocket> {
        await Promise.resolve();
        return MemorySocket.instances.at(-1)!;
    }

    async function openMemory(ctrl: WSController): Promise<MemorySocket> {
        const socket = await startedSocket();
        socket.open();
        await vi.advanceTimersByTimeAsync(0);
        const offer = socket.sent.find((m) => m.type === 'offer_sdp')!;
        expect(offer).toBeDefined();
        socket.receive({
            type: 'on_answer_sdp',
            result: true,
            answer_sdp: serverAnswer(String(offer.offer_sdp)),
        });
        await vi.advanceTimersByTimeAsync(1);
        expect(ctrl.opened).toBe(true);
        return socket;
    }

    it('every timer is released on close', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController(undefined, { watchdogMs: 30_000, commandTimeoutMs: 5000 });
        const socket = await openMemory(ctrl);
        const pending = ctrl.setVideoBitrate(1000);
        const props = ctrl.setRTPProps();
        expect(vi.getTimerCount()).toBeGreaterThanOrEqual(3); // watchdog, connect timeout, 2 commands
        ctrl.close();
        expect(vi.getTimerCount()).toBe(0);
        expectRtcError(await rejection(pending), 'INVALID_STATE');
        expectRtcError(await rejection(props), 'INVALID_STATE');
        expect(socket.closeCalls).toBe(1);
        expect(socket.sent.at(-1)).toEqual({ type: 'stop' });
        expect(socket.onmessage).toBeNull();
        expect(socket.onclose).toBeNull();
        expect(socket.onopen).toBeNull();
    });

    it('the watchdog counts from the socket open and resets on every message', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController(undefined, { watchdogMs: 1000 });
        const closes = record(ctrl, 'close');
        await vi.advanceTimersByTimeAsync(5000); // socket not open yet: no watchdog
        const socket = await openMemory(ctrl);
        await vi.advanceTimersByTimeAsync(990);
        socket.receive(onTime());
        await vi.advanceTimersByTimeAsync(990);
        socket.onmessage?.({ data: 'garbage' }); // any frame proves the server is alive
        await vi.advanceTimersByTimeAsync(990);
        expect(closes).toHaveLength(0);
        await vi.advanceTimersByTimeAsync(20);
        expect(closes).toHaveLength(1);
        expectRtcError(closes[0]![0], 'CONNECTION_LOST');
    });

    it('a held session waits without a watchdog (no on_time while held); play() arms it again', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController(undefined, { watchdogMs: 1000 });
        const socket = await openMemory(ctrl);
        void ctrl.hold().catch(() => undefined);
        await vi.advanceTimersByTimeAsync(0);
        expect(socket.sent.at(-1)).toEqual({ type: 'hold' });
        await vi.advanceTimersByTimeAsync(60_000);
        expect(ctrl.opened).toBe(true);
        await ctrl.play();
        await vi.advanceTimersByTimeAsync(1010);
        expect(ctrl.closed).toBe(true);
    });

    it('a publisher never arms a watchdog', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController(fakeCamera(), { watchdogMs: 1000 });
        await openMemory(ctrl);
        await vi.advanceTimersByTimeAsync(600_000);
        expect(ctrl.opened).toBe(true);
    });

    it('a command queued before open times out with TIMEOUT and is never sent', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController(undefined, { commandTimeoutMs: 100, answerTimeoutMs: 60_000 });
        const result = rejection(ctrl.setRTPProps(1, 1));
        await vi.advanceTimersByTimeAsync(150);
        expectRtcError(await result, 'TIMEOUT');
        const socket = await openMemory(ctrl);
        expect(socket.sent.map((m) => m.type)).toEqual(['offer_sdp']);
    });

    it('a reply that arrives before a queued command is sent does not settle it', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController();
        let settled: unknown;
        ctrl.setTracks({ video: 1 }).then((infos) => (settled = infos));
        const socket = await startedSocket();
        socket.open();
        // The offer is still being built: this on_time predates the tracks command.
        socket.receive(onTime([0], 1));
        await vi.advanceTimersByTimeAsync(0);
        expect(settled).toBeUndefined();
        expect(socket.sent.map((m) => m.type)).toEqual(['offer_sdp', 'tracks']);
        socket.receive(onTime([1], 2));
        await vi.advanceTimersByTimeAsync(0);
        expect(settled).toMatchObject({ current: 2, tracks: [1] });
    });

    it('events from a socket after close are ignored', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController();
        const socket = await openMemory(ctrl);
        const onmessage = socket.onmessage!;
        const onclose = socket.onclose!;
        const messages = record(ctrl, 'message');
        const closes = record(ctrl, 'close');
        ctrl.close();
        onmessage({ data: JSON.stringify(onTime()) });
        onmessage({ data: '{"type":"on_stop"}' });
        onclose({ code: 1006, reason: '' });
        await vi.advanceTimersByTimeAsync(10);
        expect(messages).toHaveLength(0);
        expect(closes).toEqual([[undefined]]);
    });

    it('an error event before open → SERVER_UNREACHABLE; the later close event is not a second close', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController();
        const closes = record(ctrl, 'close');
        const socket = await startedSocket();
        const onclose = socket.onclose!;
        socket.onerror?.({ type: 'error' });
        onclose({ code: 1006, reason: '' });
        await vi.advanceTimersByTimeAsync(10);
        expect(closes).toHaveLength(1);
        expectRtcError(closes[0]![0], 'SERVER_UNREACHABLE', true);
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(vi.getTimerCount()).toBe(0);
    });

    it('the message event carries the decoded message', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
        const ctrl = memoryController();
        const socket = await openMemory(ctrl);
        const seen: ServerMessage[] = [];
        ctrl.onMessage = (message) => seen.push(message);
        socket.receive({ type: 'on_track_drop', track: '3', mediatype: 'video' });
        await vi.advanceTimersByTimeAsync(0);
        expect(seen).toEqual([{ type: 'on_track_drop', track: 3, mediaType: 'video' }]);
    });
});
