import type { Connector } from '../connectors/Connector';
import { HTTPConnector } from '../connectors/HTTPConnector';
import { WSController } from '../connectors/WSController';
import type { EventHandlers } from '../core/Emitter';
import { RtcError } from '../core/RtcError';
import type { ConnectParams } from '../core/types';
import { MultiBitrate, type Rendition, type RenditionSelector } from '../policy/MultiBitrate';
import { toPlayerStats, type PlayerStats } from '../policy/QualityScore';
import type { PlayingInfos } from '../signaling/messages';
import type { ConnectionInfos } from '../stats/connectionInfos';
import { FacadeBase, validate, type ConnectorKind, type FacadeEvents, type FacadeOptions } from './FacadeBase';
import { fetchRenditions } from './streamInfo';

import type { PlayerState } from '../policy/stateTable';

export type { PlayerState };

/** Options of {@link Player}. */
export interface PlayerOptions extends FacadeOptions {
    /**
     * When the stream ends or is not published yet, stay `offline` and poll until it is back
     * (`true`: every 2 s; or `{ intervalMs }`). Default: stop with `STREAM_ENDED` / the server's error.
     */
    waitForStream?:
        | boolean
        | {
              /** How often to poll while `offline`, ms (default 2000). */
              intervalMs?: number;
          };
    /**
     * Multi-bitrate: `true` (default) picks the video rendition from measured congestion on
     * sessions that can switch tracks (WebSocket); `false` disables; or a custom selector.
     */
    mbr?: boolean | RenditionSelector;
    /**
     * The stream's video renditions. Default: read from the server's stream info (`GET /streams`)
     * when it offers one.
     */
    renditions?: Rendition[];
    /** Try to play with sound, falling back to muted playback (default `true`). */
    autoplay?: boolean;
    /**
     * A playing session that receives no packet for this long (ms) is lost and reconnected
     * (default 8000; 0 disables). It catches what signaling cannot tell, e.g. a WHEP publisher
     * that left. Needs stats polling (`statsIntervalMs` > 0).
     */
    mediaTimeoutMs?: number;
}

/**
 * Events of {@link Player}: the {@link FacadeEvents} plus the ones below. Subscribe with
 * `player.on('stats', fn)` or set the matching property handler (`player.onStats = fn`).
 */
export interface PlayerEvents extends FacadeEvents<PlayerState> {
    /**
     * `on_time` of the server (WebSocket sessions), about once a second.
     *
     * @example
     * ```ts
     * player.on('playing', (infos) => (lag.textContent = `${infos.end - infos.current} ms behind live`));
     * ```
     */
    playing: [infos: PlayingInfos];
    /**
     * Normalised statistics, about once a second (every `statsIntervalMs`).
     *
     * @example
     * ```ts
     * player.on('stats', (s) => console.log(`quality ${s.quality}, ${Math.round(s.bitrate / 1000)} kbps`));
     * ```
     */
    stats: [stats: PlayerStats];
    /**
     * The browser refused to play with sound: playing muted; show an unmute button.
     *
     * @example
     * ```ts
     * player.on('autoplayMuted', () => (unmuteButton.hidden = false));
     * unmuteButton.onclick = () => (video.muted = false);
     * ```
     */
    autoplayMuted: [];
    /**
     * The browser refused even muted playback: show a play button that calls `player.play()`.
     *
     * @example
     * ```ts
     * player.on('autoplayBlocked', () => (playButton.hidden = false));
     * playButton.onclick = () => player.play();
     * ```
     */
    autoplayBlocked: [error: RtcError];
    /**
     * The video renditions read from the server's stream info (WebSocket sessions, when the
     * `renditions` option is not given); fires when they change.
     *
     * @example
     * ```ts
     * player.on('renditions', (list) => showQualityMenu(list.map((r) => `${r.height ?? '?'}p`)));
     * ```
     */
    renditions: [renditions: Rendition[]];
    /**
     * The automatic (multi-bitrate) rendition choice changed: the video track now requested.
     *
     * @example
     * ```ts
     * player.on('rendition', (track) => console.log('switched to video track', track));
     * ```
     */
    rendition: [track: number];
}

/**
 * Plays a live stream by name into a `<video>` element, with reconnection, multi-bitrate and
 * statistics. WebSocket signaling for `ws(s)://` and bare host endpoints, WHEP for `http(s)://`.
 *
 * @example
 * ```ts
 * import { Player } from 'rtcwire';
 *
 * const player = new Player(document.querySelector('video')!, { waitForStream: true });
 * player.on('state', (state) => (status.textContent = state));
 * player.on('autoplayMuted', () => unmuteButton.hidden = false);
 * player.on('stop', (error) => error && console.error(error.code, error.message));
 * player.start({ endPoint: 'media.example.com', streamName: 'live+cam1' });
 * // later
 * player.stop();
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface only types property handlers
export class Player extends FacadeBase<PlayerState, PlayerEvents> {
    /** The element the stream plays in, if any. */
    readonly video: HTMLVideoElement | undefined;
    private readonly _playerOptions: PlayerOptions;
    private _videoTrack: number | 'auto' | 'none' | undefined;
    private _audioTrack: number | 'auto' | 'none' | undefined;
    private _rtpProps: { nack?: number; drop?: number } | undefined;
    private _selector: RenditionSelector | undefined;
    private _renditions: Rendition[] = [];
    private _autoTrack: number | undefined;
    private _lastPlaying: PlayingInfos | undefined;
    private _lastStats: PlayerStats | undefined;
    private _lastNack: { at: number; count: number } | undefined;
    private _lastMedia: { at: number; packets: number } | undefined;
    private _ticks = 0;

    /**
     * @param video The element to play in (optional: without it, use the `start` event's stream).
     * @param options Player options.
     */
    constructor(video?: HTMLVideoElement, options: PlayerOptions = {}) {
        super(options, 'player');
        this.video = video;
        this._playerOptions = options;
        if (options.mbr !== false) {
            this._selector = typeof options.mbr === 'object' ? options.mbr : new MultiBitrate();
        }
        if (options.renditions) this._renditions = [...options.renditions];
    }

    /** The stream currently playing, if any. */
    get stream(): MediaStream | undefined {
        return this.connector?.stream;
    }

    /** Renditions known for the stream. */
    get renditions(): readonly Rendition[] {
        return this._renditions;
    }

    /** The last `on_time` of the server. */
    get playingInfos(): PlayingInfos | undefined {
        return this._lastPlaying;
    }

    /**
     * The pinned video track (`undefined` = automatic multi-bitrate). Setting it applies at once
     * on the live session and is replayed on reconnection.
     */
    get videoTrack(): number | 'auto' | 'none' | undefined {
        return this._videoTrack;
    }
    /**
     * Pins the video track: a track index, `'none'` (no video), or `undefined` / `'auto'` to go
     * back to automatic multi-bitrate (which carries on from the pinned rendition). Applies at
     * once on a live WebSocket session and is replayed on reconnection; WHEP sessions cannot
     * switch tracks. Throws `INVALID_ARGUMENT` for any other value.
     *
     * @example
     * ```ts
     * player.videoTrack = 2; // pin track 2
     * player.videoTrack = undefined; // automatic again
     * ```
     */
    set videoTrack(track: number | 'auto' | 'none' | undefined) {
        checkTrack(track);
        const pinned = this._videoTrack;
        this._videoTrack = track === 'auto' ? undefined : track;
        // Back to automatic: multi-bitrate carries on from the rendition playing, not from scratch.
        if (this._videoTrack === undefined && typeof pinned === 'number') this._autoTrack = pinned;
        this._selector?.reset();
        this._sendTracks();
    }

    /** The pinned audio track (`undefined` = the server's choice). */
    get audioTrack(): number | 'auto' | 'none' | undefined {
        return this._audioTrack;
    }
    /**
     * Pins the audio track: a track index, `'none'` (no audio), or `undefined` / `'auto'` for the
     * server's choice. Applies at once on a live WebSocket session and is replayed on
     * reconnection; WHEP sessions cannot switch tracks. Throws `INVALID_ARGUMENT` for any other
     * value.
     */
    set audioTrack(track: number | 'auto' | 'none' | undefined) {
        checkTrack(track);
        this._audioTrack = track === 'auto' ? undefined : track;
        this._sendTracks();
    }

    /**
     * Starts playing `params.streamName` from `params.endPoint`. Throws `INVALID_ARGUMENT`
     * synchronously on bad parameters; everything later arrives as `stop(error)`.
     */
    start(params: ConnectParams): void {
        if (this.started) this.stop();
        validate(params, false, this._options.connector);
        this._lastPlaying = undefined;
        this._autoTrack = undefined;
        this._lastStats = undefined;
        this._lastNack = undefined;
        this._lastMedia = undefined;
        this._ticks = 0;
        this._selector?.reset();
        this._begin(params);
    }

    /** Stops playing and releases everything; fires `stop` once. */
    stop(): void {
        this._end();
    }

    /** Sets the NACK wait and drop timeout of the server (WebSocket sessions), replayed on reconnection. */
    setRTPProps(nack?: number, drop?: number): void {
        this._rtpProps = { nack, drop };
        const connector = this.connector;
        if (connector instanceof WSController && connector.opened) {
            connector
                .setRTPProps(nack, drop)
                .catch((error: unknown) => this._logger.warn('setRTPProps failed', { error }));
        }
    }

    /** Resumes playback after `autoplayBlocked` (call it from a user gesture). */
    async play(): Promise<void> {
        if (!this.video) return;
        try {
            await this.video.play();
        } catch (error) {
            throw RtcError.from(error, 'MEDIA_FAILED');
        }
    }

    /** @internal */
    protected _createConnector(params: ConnectParams, kind: ConnectorKind): Connector {
        const options = {
            logger: this._options.logger,
            logLevel: this._options.logLevel,
            ...this._options.connectorOptions,
        };
        const query = new URLSearchParams(
            params.query instanceof URLSearchParams ? params.query : (params.query ?? {}),
        );
        if (kind === 'ws') {
            if (typeof this._videoTrack === 'number') query.set('video', String(this._videoTrack));
            if (typeof this._audioTrack === 'number') query.set('audio', String(this._audioTrack));
            return new WSController({ ...params, query }, undefined, options);
        }
        return new HTTPConnector(params, undefined, options);
    }

    /** @internal */
    protected _onOpen(connector: Connector, stream: MediaStream, signal: AbortSignal): void {
        if (connector instanceof WSController) {
            connector.on('playing', (infos) => this._onPlaying(infos), { signal });
            if (this._rtpProps) {
                connector
                    .setRTPProps(this._rtpProps.nack, this._rtpProps.drop)
                    .catch((error: unknown) => this._logger.warn('replaying rtp props failed', { error }));
            }
            this._sendTracks();
            // Renditions are read at each open: the stream may have been offline at start(), and
            // its layers may differ after a reconnection. Only switchable (WebSocket) sessions use them.
            if (!this._playerOptions.renditions && this._params) this._loadRenditions(this._params);
        }
        this._attach(stream);
    }

    /** @internal */
    protected _onSessionEnd(): void {
        // Counters restart with each peer connection: forget the previous session's samples.
        this._lastStats = undefined;
        this._lastNack = undefined;
        this._lastMedia = undefined;
        this._ticks = 0;
        this._selector?.reset();
        // The element keeps its last frame while reconnecting; stop() detaches it.
        if (this.state === 'stopped' || !this.started) this._detach();
    }

    /** @internal */
    protected override _isOffline(error: RtcError): boolean {
        if (!this._playerOptions.waitForStream) return false;
        return (
            error.code === 'STREAM_ENDED' ||
            error.code === 'STREAM_NOT_FOUND' ||
            (error.code === 'REFUSED' && this.state === 'offline')
        );
    }

    /** @internal */
    protected override _offlineRetryMs(): number {
        const wait = this._playerOptions.waitForStream;
        return typeof wait === 'object' && typeof wait.intervalMs === 'number' ? wait.intervalMs : 2000;
    }

    /** @internal */
    protected override _end(error?: RtcError): void {
        super._end(error);
        this._detach();
    }

    /** @internal */
    protected async _onTick(connector: Connector): Promise<void> {
        const infos = await connector.connectionInfos();
        if (connector !== this.connector) return;
        const stats = toPlayerStats(infos, { rendition: this._currentRendition(), previous: this._lastStats });
        this._lastStats = stats;
        this._emitAny('stats', stats);
        // Refresh the renditions every 5 s: layers appear late (a simulcast layer's size is known
        // at its first keyframe) and come and go.
        if (++this._ticks % 5 === 0 && connector instanceof WSController && !this._playerOptions.renditions) {
            if (this._params) this._loadRenditions(this._params);
        }
        if (this._checkMedia(connector, infos)) this._adapt(connector, infos);
    }

    /** Media watchdog: closes the session as lost when no packet arrived for `mediaTimeoutMs`. */
    private _checkMedia(connector: Connector, infos: ConnectionInfos): boolean {
        const timeout = this._playerOptions.mediaTimeoutMs ?? 8000;
        const packets = (infos.inbound.audio?.packetsReceived ?? 0) + (infos.inbound.video?.packetsReceived ?? 0);
        const last = this._lastMedia;
        if (!last || packets !== last.packets) {
            this._lastMedia = { at: infos.timestamp, packets };
            return true;
        }
        if (timeout <= 0 || infos.timestamp - last.at < timeout) return true;
        connector.close(
            new RtcError(
                'CONNECTION_LOST',
                `no media received for ${Math.round((infos.timestamp - last.at) / 1000)} s`,
            ),
        );
        return false;
    }

    /** The video rendition playing: pinned, chosen by MBR, or reported by the server's `on_time`. */
    private _currentRendition(): number | undefined {
        if (typeof this._videoTrack === 'number') return this._videoTrack;
        if (this._autoTrack !== undefined) return this._autoTrack;
        return this._lastPlaying?.tracks.find((t) => this._renditions.some((r) => r.track === t));
    }

    /** @internal Emits timings once the first frame is shown (or at once without a video element). */
    protected override _emitTimingsWhenReady(connector: Connector, createdAt: number, signal: AbortSignal): void {
        const video = this.video as
            (HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number }) | undefined;
        const emit = () => {
            if (signal.aborted) return;
            const timings = this._timingsOf(connector, createdAt);
            if (video) timings.firstFrame = this._sinceStart();
            this._emitAny('timings', timings);
        };
        if (!video) return emit();
        if (typeof video.requestVideoFrameCallback === 'function') {
            video.requestVideoFrameCallback(() => emit());
        } else {
            video.addEventListener('loadeddata', emit, { once: true, signal });
        }
    }

    private _adapt(connector: Connector, infos: ConnectionInfos): void {
        if (!(connector instanceof WSController) || !this._selector || this._videoTrack !== undefined) return;
        const video = infos.inbound.video;
        if (this._renditions.length < 2 || !video) return;
        // NACKs per second from the cumulative counter (video only: MBR judges the video path).
        const prev = this._lastNack;
        this._lastNack = { at: infos.timestamp, count: video.nackCount };
        const dt = prev ? (infos.timestamp - prev.at) / 1000 : 0;
        const decided = this._selector.decide(
            {
                now: infos.timestamp,
                lossPercent: video.lossPercent,
                freezeCount: video.freezeCount ?? 0,
                jitterBufferMs: video.jitterBufferDelay === undefined ? undefined : video.jitterBufferDelay * 1000,
                // Not Chrome's availableIncomingBitrate: that receive-side estimate is capped near
                // 1.5 × what arrives, so it cannot show headroom for the next rendition, and it lags
                // for many seconds after a loss burst (seen in e2e: steps down with 0 % loss, never up).
                availableBitrate: undefined,
                receivedBitrate: video.bitrate,
                nackRate: prev && dt > 0 ? Math.max(0, video.nackCount - prev.count) / dt : undefined,
            },
            this._renditions,
            this._currentRendition(),
        );
        if (decided === undefined || decided === this._currentRendition()) return;
        this._autoTrack = decided;
        this._emitAny('rendition', decided);
        connector
            .setVideoTrack(decided)
            .catch((error: unknown) => this._logger.debug('rendition switch failed', { error }));
    }

    private _onPlaying(infos: PlayingInfos): void {
        this._lastPlaying = infos;
        this._emitAny('playing', infos);
    }

    private _sendTracks(): void {
        const connector = this.connector;
        if (!(connector instanceof WSController) || !connector.opened) return;
        const tracks: { audio?: number | 'auto' | 'none'; video?: number | 'auto' | 'none' } = {};
        if (this._audioTrack !== undefined) tracks.audio = this._audioTrack;
        tracks.video = this._videoTrack ?? this._autoTrack ?? 'auto';
        connector.setTracks(tracks).catch((error: unknown) => this._logger.debug('track selection failed', { error }));
    }

    private _loadRenditions(params: ConnectParams): void {
        const fetchFn = this._options.connectorOptions?.fetch;
        fetchRenditions(params, fetchFn)
            .then((renditions) => {
                if (this._params !== params || renditions.length === 0) return;
                if (JSON.stringify(renditions) === JSON.stringify(this._renditions)) return;
                this._renditions = renditions;
                this._emitAny('renditions', renditions);
            })
            .catch((error: unknown) => this._logger.debug('no stream info', { error }));
    }

    private _attach(stream: MediaStream): void {
        const video = this.video;
        if (!video) return;
        if (video.srcObject !== stream) video.srcObject = stream;
        if (this._playerOptions.autoplay === false) return;
        video.play().catch((error: unknown) => this._onPlayRefused(video, error));
    }

    private _onPlayRefused(video: HTMLVideoElement, error: unknown): void {
        const name = (error as { name?: string } | null)?.name;
        if (name === 'AbortError') return; // a newer srcObject/play() superseded this one
        if (name !== 'NotAllowedError' || video.muted) {
            this._emitAny('autoplayBlocked', RtcError.from(error, 'MEDIA_FAILED'));
            return;
        }
        video.muted = true;
        video
            .play()
            .then(() => this._emitAny('autoplayMuted'))
            .catch((second: unknown) => this._emitAny('autoplayBlocked', RtcError.from(second, 'MEDIA_FAILED')));
    }

    private _detach(): void {
        const video = this.video;
        if (video && video.srcObject) {
            video.pause();
            video.srcObject = null;
        }
    }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- typed property handlers (onStart, onStats …)
export interface Player extends EventHandlers<PlayerEvents> {}

function checkTrack(track: unknown): void {
    if (track === undefined || track === 'auto' || track === 'none') return;
    if (typeof track !== 'number' || !Number.isInteger(track) || track < 0) {
        throw new RtcError('INVALID_ARGUMENT', `track must be a non-negative integer, 'auto', 'none' or undefined`);
    }
}
