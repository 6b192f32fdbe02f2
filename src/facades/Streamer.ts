import type { Connector } from '../connectors/Connector';
import { now } from '../core/clock';
import { WSController } from '../connectors/WSController';
import type { EventHandlers } from '../core/Emitter';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, MediaKind, VideoCodec } from '../core/types';
import { positive } from '../core/numbers';
import { AdaptiveBitrate, DefaultAdaptiveBitrate, type AbrReason } from '../policy/AdaptiveBitrate';
import { toStreamerStats, type StreamerStats } from '../policy/QualityScore';
import type { MediaReport, RTPProps } from '../signaling/messages';
import { encodeTimedData } from '../data/timedData';
import type { ConnectionInfos } from '../stats/connectionInfos';
import { STREAMER_TRANSITIONS, type StreamerState } from '../policy/stateTable';
import { FacadeBase, type FacadeEvents, type FacadeOptions } from './FacadeBase';

export type { StreamerState };

/** Options of {@link Streamer}. */
export interface StreamerOptions extends FacadeOptions {
    /** Preferred video codec (`setCodecPreferences` where available, SDP reordering otherwise). */
    videoCodec?: VideoCodec;
    /** Publish three simulcast layers for servers that relay them. */
    simulcast?: boolean;
    /** Lowest bitrate adaptive bitrate may choose, bps (default 150 000). */
    minBitrate?: number;
    /** Highest bitrate adaptive bitrate may choose, bps (default 2 500 000). */
    maxBitrate?: number;
    /** First target, bps (default: a third of the way from min to max). */
    startBitrate?: number;
    /**
     * Adaptive bitrate: `true` (default) adapts the video bitrate to the uplink
     * ({@link DefaultAdaptiveBitrate}, within `minBitrate`/`maxBitrate`, from `startBitrate`); an
     * {@link AdaptiveBitrate} replaces it; `false` keeps `startBitrate` (or `videoBitrate`). Each
     * change is a `bitrateChange` event with its reason.
     *
     * @example
     * ```ts
     * new Streamer({ abr: new MyAbr() }); // class MyAbr extends AdaptiveBitrate
     * ```
     */
    abr?: boolean | AdaptiveBitrate;
    /**
     * Lower the camera's capture resolution (`applyConstraints`) when the bitrate falls far below
     * what it needs, and raise it back when the bitrate recovers (default `true`). Without it, the
     * encoder scales by itself, later and less.
     */
    adaptResolution?: boolean;
}

/**
 * Events of {@link Streamer}: the {@link FacadeEvents} plus the ones below. Subscribe with
 * `streamer.on('stats', fn)` or set the matching property handler (`streamer.onStats = fn`).
 */
export interface StreamerEvents extends FacadeEvents<StreamerState> {
    /**
     * The server accepted a video bitrate, bps; `constraint` is the most it allows, bps (WebSocket
     * sessions).
     *
     * @example
     * ```ts
     * streamer.on('videoBitrate', (bitrate, constraint) => console.log(bitrate, 'bps accepted; max', constraint));
     * ```
     */
    videoBitrate: [bitrate: number, constraint: number];
    /**
     * The server's RTP properties (reply to `setRTPProps`; WebSocket sessions).
     *
     * @example
     * ```ts
     * streamer.on('rtpProps', ({ nack, drop }) => console.log('nack wait', nack, 'ms, drop after', drop, 'ms'));
     * ```
     */
    rtpProps: [props: RTPProps];
    /**
     * The server's reception report (servers that send `on_media_receive`).
     *
     * @example
     * ```ts
     * streamer.on('mediaReport', (report) => console.log(report.stats.lossPerc, '% lost at the server'));
     * ```
     */
    mediaReport: [report: MediaReport];
    /**
     * Normalised statistics, about once a second (every `statsIntervalMs`).
     *
     * @example
     * ```ts
     * streamer.on('stats', (s) => console.log(`quality ${s.quality}, ${Math.round(s.videoBitrate / 1000)} kbps`));
     * ```
     */
    stats: [stats: StreamerStats];
    /**
     * The adaptive (or fixed) video bitrate target changed, bps.
     *
     * @example
     * ```ts
     * streamer.on('targetBitrate', (bps) => (target.textContent = `${Math.round(bps / 1000)} kbps`));
     * ```
     */
    targetBitrate: [bitrate: number];
    /**
     * The video bitrate target changed, and why: the adaptive bitrate's {@link AbrReason}, or
     * `'start'` (a new session), `'fixed'` (`videoBitrate` set).
     *
     * @example
     * ```ts
     * streamer.on('bitrateChange', (bps, reason) => console.log(`${Math.round(bps / 1000)} kbps (${reason})`));
     * ```
     */
    bitrateChange: [bitrate: number, reason: AbrReason | 'start' | 'fixed'];
}

/**
 * Publishes a camera (any MediaStream) under a stream name, with reconnection, adaptive bitrate
 * and statistics. WebSocket signaling for `ws(s)://` and bare host endpoints, WHIP for `http(s)://`.
 *
 * @example
 * ```ts
 * import { Streamer } from 'rtcwire';
 *
 * const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
 * const streamer = new Streamer({ videoCodec: 'H264', maxBitrate: 2_000_000 });
 * streamer.on('state', (state) => (status.textContent = state));
 * streamer.on('stats', (s) => (rate.textContent = `${Math.round(s.videoBitrate / 1000)} kbps`));
 * streamer.start(camera, { endPoint: 'media.example.com', streamName: 'live+cam1' });
 * // later: streamer.muteAudio(); streamer.videoBitrate = 800_000; streamer.stop();
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface only types property handlers
export class Streamer extends FacadeBase<StreamerState, StreamerEvents, StreamerOptions> {
    private readonly _abr: AdaptiveBitrate | undefined;
    /** The target without adaptation (`abr: false`), bps. */
    private readonly _startBitrate: number;
    /** Why the next applied target changed (the adaptive bitrate's reason unless told). */
    private _nextReason: 'start' | 'fixed' | undefined;
    /** The camera resolution rung in force (`adaptResolution`), and the track's own size. */
    private _resolution: { track: MediaStreamTrack; width: number; height: number; rung: number } | undefined;
    private _fixedBitrate: number | undefined;
    private _applied: number | undefined;
    private _serverBitrateAt: number | undefined;
    private _serverBitrate: number | undefined;
    private _report: MediaReport | undefined;
    private _reportAt: number | undefined;
    private _tracks: { audio?: MediaStreamTrack | null; video?: MediaStreamTrack | null } = {};
    private _muted: { audio?: boolean; video?: boolean } = {};
    private _source: MediaStream | undefined;
    private _rtpProps: RTPProps | undefined;

    /**
     * Creates an idle streamer; nothing happens until {@link start}. Throws `INVALID_ARGUMENT`
     * when `options.minBitrate` is not positive.
     */
    constructor(options: StreamerOptions = {}) {
        super(options, 'streamer', STREAMER_TRANSITIONS);
        const minBitrate = options.minBitrate ?? 150_000;
        const maxBitrate = Math.max(minBitrate, options.maxBitrate ?? 2_500_000);
        const startBitrate = options.startBitrate ?? minBitrate + (maxBitrate - minBitrate) / 3;
        this._startBitrate = Math.round(startBitrate);
        const abr = options.abr;
        // DefaultAdaptiveBitrate throws INVALID_ARGUMENT for a minBitrate that is not positive, and rounds.
        this._abr =
            abr === false
                ? undefined
                : abr instanceof AdaptiveBitrate
                  ? abr
                  : new DefaultAdaptiveBitrate({ minBitrate, maxBitrate, startBitrate });
    }

    /** The stream given to `start()` (the app's; replaced tracks are not added to it). */
    get stream(): MediaStream | undefined {
        return this._source;
    }

    /**
     * The fixed video bitrate in bps, or `undefined` for adaptive bitrate (default). Setting it
     * applies at once to the encoder and the server.
     */
    get videoBitrate(): number | undefined {
        return this._fixedBitrate;
    }
    /**
     * Fixes the video bitrate, bps, or returns to adaptive bitrate with `undefined`. Applies at
     * once to the encoder (`RTCRtpSender.setParameters`) and, on WebSocket sessions, to the
     * server (`video_bitrate`); kept across reconnections. Throws `INVALID_ARGUMENT` unless
     * `undefined` or a positive finite number.
     *
     * @example
     * ```ts
     * streamer.videoBitrate = 800_000; // fixed 800 kbps
     * streamer.videoBitrate = undefined; // adaptive again
     * ```
     */
    set videoBitrate(bitrate: number | undefined) {
        if (bitrate !== undefined && !positive(bitrate)) {
            throw new RtcError('INVALID_ARGUMENT', 'videoBitrate must be positive or undefined');
        }
        this._fixedBitrate = bitrate;
        const connector = this.connector;
        this._nextReason = bitrate === undefined ? undefined : 'fixed';
        if (connector?.opened) void this._applyBitrate(connector, true);
    }

    /** The current video bitrate target (fixed or adaptive), bps. */
    get targetBitrate(): number {
        return this._fixedBitrate ?? this._abr?.target ?? this._startBitrate;
    }

    /**
     * Starts publishing `stream` as `params.streamName`. Throws `INVALID_ARGUMENT` synchronously
     * on bad arguments; everything later arrives as `stop(error)`.
     */
    start(stream: MediaStream, params: ConnectParams): void {
        if (!stream?.getTracks?.().length) {
            throw new RtcError('INVALID_ARGUMENT', 'start() needs a MediaStream with tracks');
        }
        this._begin(params);
        this._source = stream;
        this._tracks = { audio: stream.getAudioTracks()[0], video: stream.getVideoTracks()[0] };
        this._abr?.reset();
        this._resolution = undefined;
        this._connect();
    }

    /** Sends silence instead of the microphone, without renegotiation. */
    muteAudio(): void {
        this._setMuted('audio', true);
    }
    /** Sends the microphone again. */
    unmuteAudio(): void {
        this._setMuted('audio', false);
    }
    /** Sends black frames instead of the camera, without renegotiation. */
    muteVideo(): void {
        this._setMuted('video', true);
    }
    /** Sends the camera again. */
    unmuteVideo(): void {
        this._setMuted('video', false);
    }
    /** Whether `kind` is muted. */
    isMuted(kind: MediaKind): boolean {
        return !!this._muted[kind];
    }

    /**
     * Replaces the sent track of `kind` (e.g. switch camera) without renegotiation; kept for
     * reconnections. Rejects with `INVALID_STATE` when the session has no sender of that kind.
     */
    async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
        if (track && track.kind !== kind) throw new RtcError('INVALID_ARGUMENT', `track is ${track.kind}, not ${kind}`);
        await this.connector?.replaceTrack(kind, track);
        this._tracks[kind] = track;
        this._setMuted(kind, this.isMuted(kind));
    }

    /**
     * Sends `track` as the audio (`null`: nothing) without renegotiation, e.g. another microphone;
     * kept for reconnections. The shorthand of {@link replaceTrack}, the Ceeblue client's name.
     */
    setAudioTrack(track: MediaStreamTrack | null): Promise<void> {
        return this.replaceTrack('audio', track);
    }

    /**
     * Sends `track` as the video (`null`: nothing) without renegotiation, e.g. another camera or a
     * screen; kept for reconnections. The shorthand of {@link replaceTrack}.
     *
     * @example
     * ```ts
     * const screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
     * await streamer.setVideoTrack(screen.getVideoTracks()[0]!);
     * ```
     */
    setVideoTrack(track: MediaStreamTrack | null): Promise<void> {
        return this.replaceTrack('video', track);
    }

    /** The audio track being sent (`null`: none, undefined before `start()`). */
    get audioTrack(): MediaStreamTrack | null | undefined {
        return this._tracks.audio;
    }

    /** The video track being sent (`null`: none, undefined before `start()`). */
    get videoTrack(): MediaStreamTrack | null | undefined {
        return this._tracks.video;
    }

    /** The most the server allows, bps (its last `on_video_bitrate` constraint), if it said. */
    get videoBitrateConstraint(): number | undefined {
        return this._abr?.constraint;
    }

    /** The server's last reception report of this session (`on_media_receive`), if any. */
    get mediaReport(): MediaReport | undefined {
        return this._report;
    }

    /** The server's RTP properties, as it last reported them (`on_rtp_props`). */
    get rtpProps(): RTPProps | undefined {
        return this._rtpProps;
    }

    /**
     * Sends `data` (any JSON value, at most 64 KiB of JSON) as timed data of the stream, on the
     * session's data channel: the server stamps it with the stream's media time and relays it to
     * the players as a data track (their `data` event). Returns `false` while no session's data
     * channel is open (connecting, reconnecting, or a server without one), `true` once handed to
     * it. Throws `INVALID_ARGUMENT` for data that is no JSON value or too large.
     *
     * @example
     * ```ts
     * setInterval(() => streamer.sendData({ slide: currentSlide }), 1000);
     * ```
     */
    sendData(data: unknown): boolean {
        encodeTimedData(data);
        const connector = this.connector;
        return connector?.opened ? connector.sendData(data) : false;
    }

    /** Sets the server's NACK wait / drop timeout (WebSocket sessions). */
    async setRTPProps(nack?: number, drop?: number): Promise<RTPProps> {
        const connector = this.connector;
        if (!(connector instanceof WSController)) {
            throw new RtcError('NOT_SUPPORTED', 'setRTPProps needs a WebSocket session');
        }
        return connector.setRTPProps(nack, drop);
    }

    /** @internal */
    protected _createConnector(params: ConnectParams): Connector {
        return this._newConnector(params, this._publishedStream());
    }

    /** The app's stream, or a new one with the tracks replaced since `start()` (reconnections). */
    private _publishedStream(): MediaStream {
        const source = this._source!;
        const tracks = [this._tracks.audio, this._tracks.video].filter((t): t is MediaStreamTrack => !!t);
        const original = source.getTracks();
        const unchanged = tracks.length === original.length && tracks.every((t) => original.includes(t));
        // Without a MediaStream constructor (Node), the app's stream.
        if (unchanged || !tracks.length || typeof MediaStream === 'undefined') return source;
        return new MediaStream(tracks);
    }

    /** @internal */
    protected _onOpen(connector: Connector, _stream: MediaStream, signal: AbortSignal): void {
        // A new session: the server has no report of it yet, the encoder no bitrate.
        this._applied = this._report = undefined;
        if (connector instanceof WSController) {
            const options = { signal };
            connector.on(
                'videoBitrate',
                (bitrate, constraint) => {
                    this._abr?.setConstraint(constraint);
                    this._emit('videoBitrate', bitrate, constraint);
                },
                options,
            );
            connector.on('rtpProps', (props) => this._emit('rtpProps', (this._rtpProps = props)), options);
            connector.on(
                'mediaReport',
                (report) => {
                    this._reportAt = now();
                    this._emit('mediaReport', (this._report = report));
                },
                options,
            );
        }
        this._nextReason = this._fixedBitrate === undefined ? 'start' : 'fixed';
        void this._applyBitrate(connector, true);
    }

    /** @internal */
    protected async _onTick(connector: Connector, infos: ConnectionInfos): Promise<void> {
        const video = infos.outbound.video;
        const t = now();
        // The server's loss figure while recent (it reports about once a second).
        const recent = this._reportAt !== undefined && t - this._reportAt < 2500;
        const report = recent ? this._report : undefined;
        if (this._fixedBitrate === undefined && video && this._abr) {
            this._abr.update({
                // availableOutgoingBitrate, qualityLimitationReason
                ...infos,
                ...video,
                now: t,
                lossPercent: report?.stats.lossPerc ?? video.lossPercent,
                rttMs: infos.rtt === undefined ? undefined : infos.rtt * 1000,
                source: report ? 'server' : 'sender',
            });
            await this._applyBitrate(connector);
        }
        if (this._options.adaptResolution !== false) await this._adaptResolution(connector);
        this._emit('stats', toStreamerStats(infos, { targetBitrate: this.targetBitrate }));
    }

    /** Applies {@link targetBitrate} to the encoder and the server. */
    private async _applyBitrate(connector: Connector, force?: boolean): Promise<void> {
        const applied = this._applied;
        const rounded = Math.round(this.targetBitrate);
        // Changes under 5 % are not worth an encoder update.
        if (!force && applied !== undefined && Math.abs(rounded - applied) < applied * 0.05) return;
        this._applied = rounded;
        const reason = this._nextReason ?? this._abr?.reason ?? 'start';
        this._nextReason = undefined;
        if (rounded !== applied) {
            this._emit('targetBitrate', rounded);
            this._emit('bitrateChange', rounded, reason);
        }
        const log = this._failed('bitrate');
        await setSenderBitrate(connector.peerConnection, rounded).catch(log);
        // Tell the server too (it sets its REMB / ingest budget), at most every 2 s unless forced.
        const t = now();
        if (
            connector instanceof WSController &&
            (force ||
                ((this._serverBitrateAt === undefined || t - this._serverBitrateAt >= 2000) &&
                    rounded !== this._serverBitrate))
        ) {
            this._serverBitrateAt = t;
            this._serverBitrate = rounded;
            connector.setVideoBitrate(rounded).catch(log);
        }
    }

    /**
     * Steps the camera's capture resolution along {@link RESOLUTION_RUNGS} to the bitrate: down one
     * rung when the target falls under 70 % of what the current rung needs, up one when it
     * reaches 130 % of what the next needs, never above the track's own size. The app's camera track
     * is constrained (as the Ceeblue client does); a track that cannot be is left alone.
     */
    private async _adaptResolution(connector: Connector): Promise<void> {
        const track = this._tracks.video;
        if (!track || typeof track.applyConstraints !== 'function' || typeof track.getSettings !== 'function') return;
        if (this._resolution?.track !== track) {
            const { width, height } = track.getSettings();
            if (!width || !height) return;
            const rung = RESOLUTION_RUNGS.findIndex((r) => r.height <= height);
            this._resolution = { track, width, height, rung: rung < 0 ? RESOLUTION_RUNGS.length - 1 : rung };
        }
        const state = this._resolution;
        const target = this.targetBitrate;
        const current = RESOLUTION_RUNGS[state.rung]!;
        const lower = RESOLUTION_RUNGS[state.rung + 1];
        const higher = RESOLUTION_RUNGS[state.rung - 1];
        let rung = state.rung;
        if (lower && target < current.bitrate * 0.7) rung++;
        else if (higher && higher.height <= state.height && target >= higher.bitrate * 1.3) rung--;
        if (rung === state.rung || !connector.opened) return;
        state.rung = rung;
        const height = Math.min(state.height, RESOLUTION_RUNGS[rung]!.height);
        const width = Math.round((height * state.width) / state.height);
        try {
            await track.applyConstraints({ width: { ideal: width }, height: { ideal: height } });
            this._log.info(`camera at ${width}x${height} for ${Math.round(target / 1000)} kbps`);
        } catch (error) {
            this._log.debug('applyConstraints failed', { error });
        }
    }

    private _setMuted(kind: MediaKind, muted: boolean): void {
        this._muted[kind] = muted;
        const track = this._tracks[kind];
        if (track) track.enabled = !muted;
    }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed property handlers (onStart, onStats …) and the TSDoc of stop()
export interface Streamer extends EventHandlers<StreamerEvents> {
    /**
     * Stops publishing; the tracks of the stream are left to the app. Fires `stop` once.
     *
     * @example
     * ```ts
     * streamer.stop();
     * camera.getTracks().forEach((track) => track.stop()); // the camera is the app's to release
     * ```
     */
    stop(): void;
}

/**
 * The capture resolutions the Streamer steps through (`adaptResolution`), highest first, with the
 * video bitrate each needs to look right (about 0.1 bit per pixel at 30 fps, VP8/H264).
 */
const RESOLUTION_RUNGS: readonly { height: number; bitrate: number }[] = [
    { height: 1080, bitrate: 2_500_000 },
    { height: 720, bitrate: 1_200_000 },
    { height: 540, bitrate: 700_000 },
    { height: 360, bitrate: 350_000 },
    { height: 270, bitrate: 200_000 },
    { height: 180, bitrate: 100_000 },
];

/**
 * Caps the video sender's encodings at `bitrate` (simulcast: the top layer gets what the lower
 * layers leave).
 * @internal
 */
export async function setSenderBitrate(pc: RTCPeerConnection | undefined, bitrate: number): Promise<void> {
    const sender = pc?.getSenders().find((s) => s.track?.kind === 'video');
    if (sender) {
        const parameters = sender.getParameters();
        const encodings = parameters.encodings;
        const top = encodings.length - 1;
        let left = bitrate;
        // Layers low → high: each low one gets at most a share of the budget (15 %, 30 % …), the top
        // one the rest (a single encoding: all of it).
        encodings.forEach((encoding, i) => {
            left -= encoding.maxBitrate =
                i < top ? Math.max(30_000, Math.round(bitrate * 0.15 * 2 ** i)) : Math.max(i && 50_000, left);
        });
        await sender.setParameters(parameters);
    }
}
