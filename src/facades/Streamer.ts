import type { Connector } from '../connectors/Connector';
import { now } from '../connectors/Connector';
import { HTTPConnector } from '../connectors/HTTPConnector';
import { WSController } from '../connectors/WSController';
import type { EventHandlers } from '../core/Emitter';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, MediaKind, VideoCodec } from '../core/types';
import { AdaptiveBitrate } from '../policy/AdaptiveBitrate';
import { toStreamerStats, type StreamerStats } from '../policy/QualityScore';
import type { MediaReport, RTPProps } from '../signaling/messages';
import { FacadeBase, validate, type ConnectorKind, type FacadeEvents, type FacadeOptions } from './FacadeBase';

import type { StreamerState } from '../policy/stateTable';

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
export class Streamer extends FacadeBase<StreamerState, StreamerEvents> {
    private readonly _streamerOptions: StreamerOptions;
    private _abr: AdaptiveBitrate;
    private _fixedBitrate: number | undefined;
    private _applied: number | undefined;
    private _serverBitrateAt = 0;
    private _serverBitrate: number | undefined;
    private _lastReport: { at: number; report: MediaReport } | undefined;
    private _tracks: { audio?: MediaStreamTrack; video?: MediaStreamTrack } = {};
    private _muted = { audio: false, video: false };
    private _source: MediaStream | undefined;

    /**
     * Creates an idle streamer; nothing happens until {@link start}. Throws `INVALID_ARGUMENT`
     * when `options.minBitrate` is not positive.
     */
    constructor(options: StreamerOptions = {}) {
        super(options, 'streamer');
        this._streamerOptions = options;
        const minBitrate = options.minBitrate ?? 150_000;
        const maxBitrate = Math.max(minBitrate, options.maxBitrate ?? 2_500_000);
        if (!(minBitrate > 0)) throw new RtcError('INVALID_ARGUMENT', 'minBitrate must be positive');
        this._abr = new AdaptiveBitrate({
            minBitrate,
            maxBitrate,
            startBitrate: options.startBitrate ?? Math.round(minBitrate + (maxBitrate - minBitrate) / 3),
        });
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
        if (bitrate !== undefined && (!Number.isFinite(bitrate) || bitrate <= 0)) {
            throw new RtcError('INVALID_ARGUMENT', 'videoBitrate must be a positive number of bps or undefined');
        }
        this._fixedBitrate = bitrate;
        const connector = this.connector;
        if (connector?.opened) void this._applyBitrate(connector, bitrate ?? this._abr.target, true);
    }

    /** The current video bitrate target (fixed or adaptive), bps. */
    get targetBitrate(): number {
        return this._fixedBitrate ?? this._abr.target;
    }

    /**
     * Starts publishing `stream` as `params.streamName`. Throws `INVALID_ARGUMENT` synchronously
     * on bad arguments; everything later arrives as `stop(error)`.
     */
    start(stream: MediaStream, params: ConnectParams): void {
        if (!stream || typeof stream.getTracks !== 'function' || stream.getTracks().length === 0) {
            throw new RtcError('INVALID_ARGUMENT', 'start() needs a MediaStream with at least one track');
        }
        if (this.started) this.stop();
        validate(params, true, this._options.connector);
        this._source = stream;
        this._tracks = { audio: stream.getAudioTracks()[0], video: stream.getVideoTracks()[0] };
        this._abr.reset();
        this._applied = undefined;
        this._begin(params);
    }

    /** Stops publishing; the tracks of the stream are left to the app. Fires `stop` once. */
    stop(): void {
        this._end();
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
        return this._muted[kind];
    }

    /**
     * Replaces the sent track of `kind` (e.g. switch camera) without renegotiation; kept for
     * reconnections. Rejects with `INVALID_STATE` when the session has no sender of that kind.
     */
    async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
        if (track && track.kind !== kind) throw new RtcError('INVALID_ARGUMENT', `track is ${track.kind}, not ${kind}`);
        const connector = this.connector;
        if (connector) await connector.replaceTrack(kind, track);
        this._tracks[kind] = track ?? undefined;
        if (track) track.enabled = !this._muted[kind];
    }

    /** Sets the server's NACK wait / drop timeout (WebSocket sessions). */
    async setRTPProps(nack?: number, drop?: number): Promise<RTPProps> {
        const connector = this.connector;
        if (!(connector instanceof WSController)) {
            throw new RtcError('NOT_SUPPORTED', 'RTP properties need a WebSocket session');
        }
        return connector.setRTPProps(nack, drop);
    }

    /** @internal */
    protected _createConnector(params: ConnectParams, kind: ConnectorKind): Connector {
        const options = {
            logger: this._options.logger,
            logLevel: this._options.logLevel,
            videoCodec: this._streamerOptions.videoCodec,
            simulcast: this._streamerOptions.simulcast,
            ...this._options.connectorOptions,
        };
        const stream = this._publishStream();
        return kind === 'ws' ? new WSController(params, stream, options) : new HTTPConnector(params, stream, options);
    }

    /** @internal */
    protected _onOpen(connector: Connector, _stream: MediaStream, signal: AbortSignal): void {
        this._applied = undefined;
        if (connector instanceof WSController) {
            connector.on(
                'videoBitrate',
                (bitrate, constraint) => {
                    this._abr.setConstraint(constraint);
                    this._emitAny('videoBitrate', bitrate, constraint);
                },
                { signal },
            );
            connector.on('rtpProps', (props) => this._emitAny('rtpProps', props), { signal });
            connector.on(
                'mediaReport',
                (report) => {
                    this._lastReport = { at: now(), report };
                    this._emitAny('mediaReport', report);
                },
                { signal },
            );
        }
        void this._applyBitrate(connector, this.targetBitrate, true);
    }

    /** @internal */
    protected _onSessionEnd(): void {
        this._lastReport = undefined;
        this._serverBitrate = undefined;
    }

    /** @internal */
    protected async _onTick(connector: Connector): Promise<void> {
        const infos = await connector.connectionInfos();
        if (connector !== this.connector) return;
        const video = infos.outbound.video;
        const t = now();
        const report = this._lastReport && t - this._lastReport.at < 2500 ? this._lastReport.report : undefined;
        if (this._fixedBitrate === undefined && video) {
            const target = this._abr.update({
                now: t,
                lossPercent: report?.stats.lossPerc ?? video.lossPercent,
                rttMs: infos.rtt === undefined ? undefined : infos.rtt * 1000,
                qualityLimitationReason: video.qualityLimitationReason,
                availableOutgoingBitrate: infos.availableOutgoingBitrate,
                sentBitrate: video.bitrate,
                source: report ? 'server' : 'sender',
            });
            await this._applyBitrate(connector, target, false);
        }
        this._emitAny('stats', toStreamerStats(infos, { targetBitrate: this.targetBitrate }));
    }

    private async _applyBitrate(connector: Connector, bitrate: number, force: boolean): Promise<void> {
        const rounded = Math.round(bitrate);
        if (!force && this._applied !== undefined && Math.abs(rounded - this._applied) < this._applied * 0.05) return;
        const changed = rounded !== this._applied;
        this._applied = rounded;
        if (changed) this._emitAny('targetBitrate', rounded);
        await setSenderBitrate(connector.peerConnection, rounded).catch((error: unknown) =>
            this._logger.debug('setParameters failed', { error }),
        );
        // Tell the server too (it sets its REMB / ingest budget), at most every 2 s unless forced.
        if (!(connector instanceof WSController)) return;
        const t = now();
        if (!force && (t - this._serverBitrateAt < 2000 || this._serverBitrate === rounded)) return;
        this._serverBitrateAt = t;
        this._serverBitrate = rounded;
        connector
            .setVideoBitrate(rounded)
            .catch((error: unknown) => this._logger.debug('video_bitrate failed', { error }));
    }

    /** The app's stream, or a new one when tracks were replaced since `start()` (reconnections). */
    private _publishStream(): MediaStream {
        const source = this._source;
        if (!source) throw new RtcError('INVALID_STATE', 'no stream to publish');
        const tracks = [this._tracks.audio, this._tracks.video].filter((t): t is MediaStreamTrack => t !== undefined);
        const original = source.getTracks();
        const unchanged = tracks.length === original.length && tracks.every((t) => original.includes(t));
        const Stream = (globalThis as { MediaStream?: new (tracks: MediaStreamTrack[]) => MediaStream }).MediaStream;
        return unchanged || !Stream || tracks.length === 0 ? source : new Stream(tracks);
    }

    private _setMuted(kind: MediaKind, muted: boolean): void {
        this._muted[kind] = muted;
        const track = this._tracks[kind];
        if (track) track.enabled = !muted;
    }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- typed property handlers (onStart, onStats …)
export interface Streamer extends EventHandlers<StreamerEvents> {}

/**
 * Caps the video sender's encodings at `bitrate` (simulcast: the top layer gets what the lower
 * layers leave).
 * @internal
 */
export async function setSenderBitrate(pc: RTCPeerConnection | undefined, bitrate: number): Promise<void> {
    const sender = pc?.getSenders().find((s) => s.track?.kind === 'video');
    if (!sender || typeof sender.getParameters !== 'function') return;
    const parameters = sender.getParameters();
    const encodings = parameters.encodings ?? [];
    if (encodings.length === 0) return;
    if (encodings.length === 1) {
        encodings[0]!.maxBitrate = bitrate;
    } else {
        // Layers low → high: keep the low ones at most a share of the budget, give the rest to the top.
        const shares = encodings.map((_, i) => (i === encodings.length - 1 ? 0 : 0.15 * 2 ** i));
        let left = bitrate;
        encodings.forEach((encoding, i) => {
            if (i === encodings.length - 1) encoding.maxBitrate = Math.max(50_000, left);
            else {
                encoding.maxBitrate = Math.max(30_000, Math.round(bitrate * shares[i]!));
                left -= encoding.maxBitrate;
            }
        });
    }
    await sender.setParameters(parameters);
}
