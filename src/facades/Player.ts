import { CommandConnector, type TrackSelection } from '../connectors/CommandConnector';
import type { Connector } from '../connectors/Connector';
import { WSController } from '../connectors/WSController';
import type { EventHandlers } from '../core/Emitter';
import { RtcError } from '../core/RtcError';
import { now } from '../core/clock';
import type { ConnectParams, MediaKind } from '../core/types';
import { isTrackIndex, nonNegative, positive } from '../core/numbers';
import type { Metadata } from '../metadata/Metadata';
import { StreamMetadata, metadataUrl } from '../metadata/StreamMetadata';
import type { StreamState } from '../metadata/streamState';
import { applyJitterTarget, jitterTargetOf, type LatencyMode } from '../policy/latency';
import {
    DefaultMultiBitrate,
    type MbrReason,
    type MbrSample,
    type MultiBitrateOptions,
    type Rendition,
    type RenditionSelector,
} from '../policy/MultiBitrate';
import { toPlayerStats, type PlayerStats } from '../policy/QualityScore';
import type { PlayingInfos } from '../signaling/messages';
import type { ConnectionInfos } from '../stats/connectionInfos';
import { PLAYER_TRANSITIONS, type PlayerState } from '../policy/stateTable';
import { FacadeBase, type FacadeEvents, type FacadeOptions } from './FacadeBase';
import { TimedDataSource } from './TimedDataSource';

export type { PlayerState };

/** Payload of the Player's `renditionChange` event. */
export interface RenditionChange {
    /** The video track now requested. */
    track: number;
    /** The track before, when known. */
    previous: number | undefined;
    /** Why the multi-bitrate algorithm changed it (`'unspecified'` when the selector gives no reason). */
    reason: MbrReason;
}

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
     * Multi-bitrate: `true` (default) picks the video rendition from measured congestion
     * ({@link DefaultMultiBitrate}) on sessions that can switch tracks (WebSocket, and WHEP where
     * the server opens `MistControl`), and the audio track the same way when the stream has
     * several; its options tune it; a {@link MultiBitrate} (or any {@link RenditionSelector})
     * replaces it (it chooses the video rendition; audio is then the server's choice); `false`
     * disables it. Each video change is a `renditionChange` event with its reason.
     *
     * @example
     * ```ts
     * new Player(video, { mbr: { holdMs: 5000 } }); // steps up after 5 s of clean reception
     * ```
     */
    mbr?: boolean | MultiBitrateOptions | RenditionSelector;
    /**
     * The stream's video renditions. Default: read from the stream's metadata (see `metadata`),
     * keeping the tracks of the codec the session negotiated.
     */
    renditions?: Rendition[];
    /**
     * Follow the stream's metadata while started (default `true`): a {@link StreamMetadata} on the
     * server's `json_<stream>.js` gives the `metadata` and `streamState` events, the renditions
     * multi-bitrate chooses from, and the data tracks read from the data WebSocket where the
     * session has no data channel. With `waitForStream`, a stream that comes back `online` is
     * played at once. `false` for servers that have no such document. It is followed from the
     * first frame of a start() (or the end of its first session), so that it never delays that
     * frame; pass `start(params, { metadata })` to have it before.
     */
    metadata?: boolean;
    /** Try to play with sound, falling back to muted playback (default `true`). */
    autoplay?: boolean;
    /**
     * Playout latency: `'lowest'` (as little buffering as the browser allows), `'balanced'` (the
     * browser's adaptive default) or a jitter-buffer target in ms. After a freeze the player
     * lowers the target for a few seconds to catch up, so latency does not drift up.
     */
    latency?: LatencyMode;
    /** How long a session opened by {@link Player.prepare} waits for `start()` before it is released, ms (default 20000). */
    prepareTimeoutMs?: number;
    /**
     * A playing session that receives no packet for this long (ms) is lost and reconnected
     * (default 8000; 0 disables). It catches what signaling cannot tell, e.g. a WHEP publisher
     * that left. A session that receives something, but has decoded no frame of a required
     * kind (`requiredMedia`) this long after it opened, stops with `MEDIA_FAILED`: the picture
     * will not come by retrying (e.g. a codec the browser cannot decode). Needs stats polling
     * (`statsIntervalMs` > 0).
     */
    mediaTimeoutMs?: number;
    /**
     * The media kinds the stream must deliver (default `['video']`; a kind pinned to `'none'` is
     * not expected). A session whose answer rejects one of them, or that decodes no video frame
     * (receives no audio packet) within `mediaTimeoutMs`, stops with `MEDIA_FAILED` (not
     * retried) instead of `playing` over a black picture. `['audio']` plays audio-only streams,
     * `[]` whatever comes.
     */
    requiredMedia?: MediaKind[];
}

/** What {@link Player.start} may reuse. */
export interface PlayerStartOptions {
    /**
     * An open {@link StreamMetadata} of the same stream, followed instead of a new one (its
     * current description and state apply at once). It stays the app's: `stop()` does not close
     * it.
     */
    metadata?: StreamMetadata;
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
     * A new description of the stream, from its metadata (see the `metadata` option): its tracks
     * by index, audio, video and data tracks lightest first.
     *
     * @example
     * ```ts
     * player.on('metadata', (m) => (info.textContent = m.videos.map((v) => `${v.height}p`).join(' · ')));
     * ```
     */
    metadata: [metadata: Metadata];
    /**
     * The stream's state changed (`online`, `offline`, `waitingForData` …, deduplicated), with the
     * server's text when it is not online. The Player's own `state` says what the player does.
     *
     * @example
     * ```ts
     * player.on('streamState', (state) => state === 'offline' && (banner.textContent = 'The stream is offline'));
     * ```
     */
    streamState: [state: StreamState, reason?: string];
    /**
     * Timed data of the stream's data tracks (JSON, subtitles) — from the session's data channel,
     * else from the server's data WebSocket; only the `dataTracks` when set. `time` is in the
     * media's clock (ms), the clock of `playing`'s `current`: to show an item in sync with the
     * video, keep it until the playback position reaches it (`current` plus the time since that
     * `playing` event, minus the player's latency). `duration` is a subtitle's, ms.
     *
     * @example
     * ```ts
     * const pending: { time: number; data: unknown }[] = [];
     * player.on('data', (time, track, data) => pending.push({ time, data }));
     * player.on('playing', ({ current }) => {
     *     while (pending.length && pending[0].time <= current) overlay.show(pending.shift()!.data);
     * });
     * ```
     */
    data: [time: number, track: number, data: unknown, duration?: number];
    /**
     * The video renditions of the stream (from its metadata, when the `renditions` option is not
     * given), of the codec the session negotiated; fires when they change.
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
    /**
     * The automatic (multi-bitrate) rendition changed, and why (see {@link MbrReason}).
     *
     * @example
     * ```ts
     * player.on('renditionChange', ({ track, previous, reason }) =>
     *     console.log(`video ${previous ?? '?'} → ${track}: ${reason}`),
     * );
     * ```
     */
    renditionChange: [change: RenditionChange];
    /**
     * The automatic audio choice changed (a stream with several audio tracks): the audio track
     * now requested.
     *
     * @example
     * ```ts
     * player.on('audioRendition', (track) => console.log('switched to audio track', track));
     * ```
     */
    audioRendition: [track: number];
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
export class Player extends FacadeBase<PlayerState, PlayerEvents, PlayerOptions> {
    /** The element the stream plays in, if any. */
    readonly video: HTMLVideoElement | undefined;
    /** The pinned tracks (undefined: automatic video, the server's choice of audio). */
    private _pinned: { video?: number | 'none'; audio?: number | 'none' } = {};
    private _rtpProps: [nack?: number, drop?: number] | undefined;
    private _selector: RenditionSelector | undefined;
    /** The audio choice, on streams with several audio tracks (the built-in selector only). */
    private _audioSelector: RenditionSelector | undefined;
    /** The video renditions (the option's, or the metadata's of the session's codec), sorted once per document. */
    private _renditions: readonly Rendition[];
    /** The audio tracks as renditions, of the session's codec. */
    private _audioRenditions: readonly Rendition[] = [];
    private _autoTrack: number | undefined;
    private _autoAudio: number | undefined;
    /** The stream's metadata followed while started, and whether the Player made it (and closes it). */
    private _streamMetadata: StreamMetadata | undefined;
    private _ownsMetadata = false;
    /** Aborted at stop: the subscriptions of the current start(). */
    private _startAbort: AbortController | undefined;
    private _metadata: Metadata | undefined;
    private _streamState: StreamState | undefined;
    private readonly _timedData: TimedDataSource;
    private _lastPlaying: PlayingInfos | undefined;
    /** The jitter-buffer target in force, ms (undefined: the browser's own); lowered while catching up. */
    private _jitterTarget: number | undefined;
    /** Until when the player catches up after a freeze (the stats clock), and the freezes seen so far. */
    private _catchUpUntil: number | undefined;
    private _freezes: number | undefined;
    /** Media watchdog: the packet count, and when it last changed (reset at each open). */
    private _packets: number | undefined;
    private _packetsAt!: number;
    /** When the live session opened (the start of the first-media check). */
    private _openedAt!: number;

    /**
     * @param video The element to play in (optional: without it, use the `start` event's stream).
     * @param options Player options.
     */
    constructor(video?: HTMLVideoElement, options: PlayerOptions = {}) {
        super(options, 'player', PLAYER_TRANSITIONS);
        this.video = video;
        // iOS Safari plays a <video> full screen unless it may play inline.
        if (video) video.playsInline = true;
        const mbr = options.mbr;
        this._selector = selectorOf(mbr);
        // The default algorithm (tuned or not) also picks the audio; a custom selector leaves it to the server.
        this._audioSelector =
            mbr === false || (typeof mbr === 'object' && isSelector(mbr))
                ? undefined
                : new DefaultMultiBitrate(typeof mbr === 'object' ? mbr : {});
        const given = options.renditions ?? [];
        if (!given.every((r) => isTrackIndex(r?.track))) {
            throw new RtcError('INVALID_ARGUMENT', 'renditions: every track must be a track index');
        }
        this._renditions = [...given];
        const connectorOptions = options.connectorOptions;
        this._timedData = new TimedDataSource(
            (...item) => this._emit('data', ...item),
            {
                WebSocket: connectorOptions?.WebSocket,
                tokenParam: connectorOptions?.tokenParam,
                logger: options.logger,
                logLevel: options.logLevel,
            },
            // The data WebSocket is for an app that reads timed data.
            () => this.listenerCount('data') > 0 || typeof this.onData === 'function' || this.dataTracks !== undefined,
        );
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

    /** The stream's latest description, while started (see the `metadata` event). */
    get metadata(): Metadata | undefined {
        return this._metadata;
    }

    /** The stream's state, while started and once known (see the `streamState` event). */
    get streamState(): StreamState | undefined {
        return this._streamState;
    }

    /** The {@link StreamMetadata} followed while started (the Player's own, or the one `start()` was given). */
    get streamMetadata(): StreamMetadata | undefined {
        return this._streamMetadata;
    }

    /** The data tracks whose timed data is delivered (`undefined`: every data track of the stream). */
    get dataTracks(): readonly number[] | undefined {
        return this._timedData.wanted;
    }
    /**
     * Chooses the data tracks whose items the `data` event delivers: a list of track indices
     * (`[]`: none), or `undefined` for every data track of the stream (the default). Applies at
     * once — on the session's data channel (`setTracks({ meta })`) or the data WebSocket — and is
     * replayed on reconnection. Throws `INVALID_ARGUMENT` for anything else.
     *
     * @example
     * ```ts
     * player.dataTracks = player.metadata?.datas.filter((t) => t.codec === 'subtitle').map((t) => t.index);
     * ```
     */
    set dataTracks(tracks: readonly number[] | undefined) {
        if (tracks !== undefined && (!Array.isArray(tracks) || !tracks.every(isTrackIndex))) {
            throw new RtcError('INVALID_ARGUMENT', 'dataTracks must be a list of track indices, or undefined');
        }
        this._timedData.wanted = tracks && Object.freeze([...tracks]);
        this._sendTracks();
    }

    /**
     * The pinned video track (`undefined` = automatic multi-bitrate). Setting it applies at once
     * on the live session and is replayed on reconnection.
     */
    get videoTrack(): number | 'auto' | 'none' | undefined {
        return this._pinned.video;
    }
    /**
     * Pins the video track: a track index, `'none'` (no video), or `undefined` / `'auto'` to go
     * back to automatic multi-bitrate (which carries on from the pinned rendition). Applies at
     * once on a live session that takes commands (WebSocket; WHEP where the server opens
     * `MistControl`) and is replayed on reconnection. Throws `INVALID_ARGUMENT` for any other
     * value.
     *
     * @example
     * ```ts
     * player.videoTrack = 2; // pin track 2
     * player.videoTrack = undefined; // automatic again
     * ```
     */
    set videoTrack(track: number | 'auto' | 'none' | undefined) {
        const pinned = this._pinned.video;
        // Back to automatic: multi-bitrate carries on from the rendition playing, not from scratch.
        if ((this._pinned.video = checkTrack(track)) === undefined && typeof pinned === 'number')
            this._autoTrack = pinned;
        this._selector?.reset();
        this._sendTracks();
    }

    /** The pinned audio track (`undefined` = the server's choice). */
    get audioTrack(): number | 'auto' | 'none' | undefined {
        return this._pinned.audio;
    }
    /**
     * Pins the audio track: a track index, `'none'` (no audio), or `undefined` / `'auto'` for the
     * automatic choice (multi-bitrate on streams with several audio tracks, else the server's).
     * Applies at once on a live session that takes commands and is replayed on reconnection.
     * Throws `INVALID_ARGUMENT` for any other value.
     */
    set audioTrack(track: number | 'auto' | 'none' | undefined) {
        this._pinned.audio = checkTrack(track);
        this._audioSelector?.reset();
        this._sendTracks();
    }

    /**
     * Starts playing `params.streamName` from `params.endPoint`, following the stream's metadata
     * (unless the `metadata` option is `false`): a new {@link StreamMetadata}, or the open one
     * `options.metadata` gives. Throws `INVALID_ARGUMENT` synchronously on bad parameters (and for
     * a given `StreamMetadata` that is closed or follows another stream); everything later
     * arrives as `stop(error)`.
     *
     * @example
     * ```ts
     * // The metadata opened first (say, to show the stream's state on a card), reused by the player
     * const followed = new StreamMetadata(params);
     * followed.on('state', (state) => (card.dataset.state = state));
     * card.onclick = () => player.start(params, { metadata: followed });
     * ```
     */
    start(params: ConnectParams, options: PlayerStartOptions = {}): void {
        const given = options.metadata;
        if (given && (given.closed || given.url !== metadataUrl(params))) {
            throw new RtcError('INVALID_ARGUMENT', 'start: options.metadata must be open and follow the same stream');
        }
        this._begin(params);
        // The per-session samples and the selector are reset at each open (_onOpen).
        this._lastPlaying = this._autoTrack = this._autoAudio = undefined;
        this._startAbort = new AbortController();
        this._connect();
        if (given) this._followMetadata(params, given);
        else this._followMetadataLater(params);
    }

    /**
     * Gets ready to play `params` ahead of {@link start}: opens the signaling, negotiates and
     * brings ICE and DTLS up with the media held (WebSocket: `hold` right after the offer, `play`
     * on start, when the server sends the cached GOP at once; WHEP: the same over the server's
     * control channel where it opens one, MistControl, else the media flows, unseen), so
     * that `start()` with the same params shows the first frame after one round trip. Released
     * after `prepareTimeoutMs` (default 20 s) if `start()` does not come, and by {@link stop}.
     * Preparing again with the same params keeps the session. Throws `INVALID_STATE` while
     * started, `INVALID_ARGUMENT` for bad params.
     *
     * @example
     * ```ts
     * const params = { endPoint: 'media.example.com', streamName: 'live+cam1' };
     * card.addEventListener('pointerenter', () => player.prepare(params)); // the viewer may click
     * card.addEventListener('click', () => player.start(params)); // video at once
     * ```
     */
    prepare(params: ConnectParams): void {
        this._prepare(params, nonNegative(this._options.prepareTimeoutMs, 20_000));
    }

    /** Sets the NACK wait and drop timeout of the server (WebSocket sessions), replayed on reconnection. */
    setRTPProps(nack?: number, drop?: number): void {
        this._rtpProps = [nack, drop];
        this._sendRTPProps();
    }

    /** Resumes playback after `autoplayBlocked` (call it from a user gesture). */
    async play(): Promise<void> {
        await this.video?.play().catch((error: unknown) => {
            throw RtcError.from(error);
        });
    }

    /** @internal */
    protected _createConnector(params: ConnectParams): Connector {
        const kind = this._connectorKind(params);
        const webSocket = kind === 'ws' || (typeof kind === 'function' && kind.prototype instanceof WSController);
        if (webSocket) {
            // Pinned tracks are asked for in the URL, so the first frames are already the right ones.
            const query = new URLSearchParams(params.query);
            for (const [trackKind, track] of Object.entries(this._pinned)) {
                if (typeof track === 'number') query.set(trackKind, `${track}`);
            }
            params = { ...params, query };
        }
        return this._newConnector(params);
    }

    /**
     * With `waitForStream`, a stream that ended or is not live (or a refusal while already offline:
     * servers refuse to play what is not live) is polled for. @internal
     */
    protected override _offlinePollMs(error: RtcError): number | undefined {
        const wait = this._options.waitForStream;
        if (!wait) return undefined;
        const notLive =
            error.code === 'STREAM_ENDED' ||
            error.code === 'STREAM_NOT_FOUND' ||
            (error.code === 'REFUSED' && this.state === 'offline');
        if (!notLive) return undefined;
        return (typeof wait === 'object' ? wait.intervalMs : undefined) ?? 2000;
    }

    /** The next frame shown in the element (its first data where requestVideoFrameCallback is missing). @internal */
    protected override _firstFrame(signal: AbortSignal): Promise<boolean> {
        const video: VideoElement | undefined = this.video;
        if (!video) return Promise.resolve(false);
        return new Promise((resolve) => {
            if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => resolve(true));
            else video.addEventListener('loadeddata', () => resolve(true), { once: true, signal });
        });
    }

    /**
     * The element keeps its last frame while reconnecting; stop() detaches it, and ends what the
     * start() followed (its own metadata, the data WebSocket). @internal
     */
    protected override _onStopped(): void {
        this._startAbort?.abort();
        if (this._ownsMetadata) this._streamMetadata?.close();
        this._streamMetadata = this._metadata = this._streamState = undefined;
        if (!this._options.renditions) this._renditions = [];
        this._audioRenditions = [];
        this._timedData.close();
        const video = this.video;
        if (video?.srcObject) {
            video.pause();
            video.srcObject = null;
            // Safari keeps the last frame and its decoder until the element reloads.
            video.load();
        }
    }

    /**
     * A prepared session holds its media until start(), where it takes commands: always over
     * WebSocket; over WHEP once the server's control channel (MistControl) opens — a server
     * without one rejects the hold (`NOT_SUPPORTED`, logged) and its media flows, unseen. @internal
     */
    protected override _onPrepared(connector: Connector): void {
        if (connector instanceof CommandConnector) connector.hold().catch(this._failed('hold'));
    }

    /** start() takes a prepared session: its media resumes. @internal */
    protected override _onAdopted(connector: Connector): void {
        if (connector instanceof CommandConnector && connector.controllable) {
            connector.play().catch(this._failed('play'));
        }
    }

    /** @internal */
    protected _onOpen(connector: Connector, stream: MediaStream, signal: AbortSignal): void {
        // Counters restart with each peer connection: forget the previous session's samples.
        this._packets = undefined;
        this._openedAt = now();
        this._freezes = this._catchUpUntil = undefined;
        this._setJitterTarget(connector, jitterTargetOf(this._options.latency));
        this._selector?.reset();
        this._audioSelector?.reset();
        // The renditions of the codecs this session negotiated.
        this._updateRenditions();
        this._timedData.attach(connector, this._params!, signal);
        if (connector instanceof CommandConnector) {
            const controlled: CommandConnector = connector;
            controlled.on('playing', (infos) => this._emit('playing', (this._lastPlaying = infos)), { signal });
            this._sendRTPProps();
            this._sendTracks();
        }
        const video = this.video;
        if (!video) return;
        if (video.srcObject !== stream) video.srcObject = stream;
        if (this._options.autoplay === false) return;
        // play() maps the browser's refusal: AbortError → ABORTED, NotAllowedError → ACCESS_DENIED.
        const blocked = (error: RtcError) => this._emit('autoplayBlocked', error);
        this.play().catch((error: RtcError) => {
            const code = error.code;
            if (code === 'ABORTED') return; // a newer srcObject/play() superseded this one
            if (code !== 'ACCESS_DENIED' || video.muted) return blocked(error);
            video.muted = true;
            this.play().then(() => this._emit('autoplayMuted'), blocked);
        });
    }

    /** @internal */
    protected _onTick(connector: Connector, infos: ConnectionInfos): void {
        const { timestamp, inbound } = infos;
        const video = inbound.video;
        // The video rendition playing: pinned, chosen by MBR, or reported by the server's `on_time`.
        const pinned = this._pinned.video;
        const current =
            (typeof pinned === 'number' ? pinned : this._autoTrack) ??
            this._lastPlaying?.tracks.find((t) => this._renditions.some((r) => r.track === t));
        const stats = toPlayerStats(infos, {
            rendition: current,
            jitterBufferTargetMs: this._jitterTarget,
            playbackRate: this._lastPlaying?.playRate,
        });
        this._emit('stats', stats);
        this._catchUp(connector, timestamp, stats.freezeCount);
        // A `data` listener added since: the data WebSocket opens (where the session has no channel).
        this._timedData.listeningChanged();
        // Media watchdog: the session is lost when no packet arrived for `mediaTimeoutMs` (0: never).
        const packets = (inbound.audio?.packetsReceived ?? 0) + (video?.packetsReceived ?? 0);
        const silentMs = timestamp - this._packetsAt;
        if (packets !== this._packets) {
            this._packets = packets;
            this._packetsAt = timestamp;
        } else if (silentMs >= this._mediaTimeoutMs()) {
            return connector.close(new RtcError('CONNECTION_LOST', `no media for ${Math.round(silentMs / 1000)} s`));
        }
        const missing = this._missingMedia(infos);
        if (missing) return connector.close(new RtcError('MEDIA_FAILED', missing));
        // Multi-bitrate: automatic tracks, a session that takes commands, renditions to choose from.
        if (!this._controlled()) return;
        let changed = false;
        if (video && pinned === undefined && this._renditions.length > 1) {
            const decided = this._decide(this._selector, this._renditions, current, {
                // lossPercent, nackRate, freezeCount (video only: MBR judges the video path)
                ...video,
                now: timestamp,
                jitterBufferMs: stats.jitterBufferMs,
                // No availableBitrate: Chrome's availableIncomingBitrate is a receive-side estimate
                // capped near 1.5 × what arrives, so it cannot show headroom for the next rendition, and
                // it lags for many seconds after a loss burst (seen in e2e: steps down with 0 % loss, never up).
                receivedBitrate: video.bitrate,
            });
            if (decided !== undefined) {
                this._emit('rendition', (this._autoTrack = decided));
                const reason = this._selector?.reason ?? 'unspecified';
                this._emit('renditionChange', { track: decided, previous: current, reason });
                changed = true;
            }
        }
        const audio = inbound.audio;
        if (audio && this._pinned.audio === undefined && this._audioRenditions.length > 1) {
            const playing =
                this._autoAudio ?? this._lastPlaying?.tracks.find((t) => hasTrack(this._audioRenditions, t));
            const decided = this._decide(this._audioSelector, this._audioRenditions, playing, {
                ...audio,
                now: timestamp,
                receivedBitrate: audio.bitrate,
            });
            if (decided !== undefined) {
                this._emit('audioRendition', (this._autoAudio = decided));
                changed = true;
            }
        }
        // The tracks message (with the pinned choices, unchanged) asks for the new renditions.
        if (changed) this._sendTracks();
    }

    /**
     * The track `selector` switches to from `current`, or `undefined` when it keeps it (or decides
     * something that is none of `renditions`: a custom selector's mistake is ignored).
     */
    private _decide(
        selector: RenditionSelector | undefined,
        renditions: readonly Rendition[],
        current: number | undefined,
        sample: MbrSample,
    ): number | undefined {
        const decided = selector?.decide(sample, renditions, current);
        if (decided === undefined || decided === current) return undefined;
        if (!hasTrack(renditions, decided)) {
            this._log.debug('ignored a rendition choice that is none of the renditions', { decided });
            return undefined;
        }
        return decided;
    }

    /**
     * After a freeze the jitter buffer has grown to ride it out, and latency would stay that high:
     * the target drops to 0 for a few seconds, then goes back to the latency option's.
     */
    private _catchUp(connector: Connector, now: number, freezes: number): void {
        const target = jitterTargetOf(this._options.latency);
        const froze = this._freezes !== undefined && freezes > this._freezes;
        this._freezes = freezes;
        if (froze && target !== 0) {
            this._catchUpUntil = now + CATCH_UP_MS;
            this._setJitterTarget(connector, 0);
        } else if (this._catchUpUntil !== undefined && now >= this._catchUpUntil) {
            this._catchUpUntil = undefined;
            this._setJitterTarget(connector, target);
        }
    }

    private _setJitterTarget(connector: Connector, ms: number | undefined): void {
        const pc = connector.peerConnection;
        if (!pc) return;
        // The browser's own buffering needs nothing set on a fresh session.
        if (ms === undefined && this._jitterTarget === undefined) return;
        if (applyJitterTarget(pc, ms)) this._jitterTarget = ms;
        else if (ms !== undefined) this._log.debug('this browser has no jitter-buffer target');
    }

    /** `mediaTimeoutMs`, ms (`Infinity`: disabled). */
    private _mediaTimeoutMs(): number {
        return positive(this._options.mediaTimeoutMs ?? 8000, Infinity);
    }

    /**
     * "Connected, but the picture never came": why the session lacks a required kind
     * `mediaTimeoutMs` after it opened (no video frame decoded, no audio packet received), or
     * `undefined`. Counted from the browser's own figures (`framesDecoded`), whatever the codec.
     */
    private _missingMedia({ timestamp, inbound }: ConnectionInfos): string | undefined {
        const waitedMs = timestamp - this._openedAt;
        if (waitedMs < this._mediaTimeoutMs()) return undefined;
        const required = this._options.requiredMedia ?? ['video'];
        const seconds = Math.round(waitedMs / 1000);
        const video = inbound.video;
        if (required.includes('video') && this._pinned.video !== 'none' && !video?.framesDecoded) {
            const received = `${video?.packetsReceived ?? 0} ${video?.codec ?? 'video'} packets received`;
            return `no video frame decoded ${seconds} s after the session opened (${received})`;
        }
        if (required.includes('audio') && this._pinned.audio !== 'none' && !inbound.audio?.packetsReceived) {
            return `no audio received ${seconds} s after the session opened`;
        }
        return undefined;
    }

    /** The live connector when it is an open WebSocket session (RTP props are the WebSocket's only). */
    private _ws(): WSController | undefined {
        const connector = this.connector;
        return connector instanceof WSController && connector.opened ? connector : undefined;
    }

    /** The live connector when it is open and takes commands (WebSocket; WHEP with `MistControl`). */
    private _controlled(): CommandConnector | undefined {
        const connector = this.connector;
        return connector instanceof CommandConnector && connector.opened && connector.controllable
            ? connector
            : undefined;
    }

    private _sendRTPProps(): void {
        const props = this._rtpProps;
        if (props)
            this._ws()
                ?.setRTPProps(...props)
                .catch(this._failed('setRTPProps', 'warn'));
    }

    /**
     * Asks for the tracks in force: the pinned ones, else the automatic choices (video `'auto'`
     * before the first), and the data tracks when the app chose them. A refusal is logged.
     */
    private _sendTracks(): void {
        const connector = this._controlled();
        if (!connector) return;
        const pinned = this._pinned;
        const selection: TrackSelection = { video: pinned.video ?? this._autoTrack ?? 'auto' };
        const audio = pinned.audio ?? this._autoAudio;
        if (audio !== undefined) selection.audio = audio;
        const dataTracks = this._timedData.wanted;
        if (dataTracks) selection.meta = dataTracks;
        try {
            connector.setTracks(selection).catch(this._failed('tracks'));
        } catch (error) {
            // Every choice is validated where it is made: a throw here is a bug, never the app's.
            this._log.warn('tracks not sent', { error });
        }
    }

    /**
     * Follows the stream's own metadata (unless the option says not to) once the first session of
     * this start() has shown its first frame, or has ended: opened with the session, its
     * WebSocket would delay the first frame (a browser opens one WebSocket to a host at a time,
     * RFC 6455 §4.1, and the server answers both at once; measured: a few ms of about 100).
     */
    private _followMetadataLater(params: ConnectParams): void {
        if (this._options.metadata === false) return;
        const signal = this._startAbort?.signal;
        const follow = () => {
            if (!signal?.aborted && !this._streamMetadata) this._followMetadata(params, undefined);
        };
        this.on('timings', follow, { signal });
        this.on('state', (state) => state !== 'connecting' && state !== 'playing' && follow(), { signal });
    }

    /** Follows the stream's metadata for this start(): `given`, else a new one. */
    private _followMetadata(params: ConnectParams, given: StreamMetadata | undefined): void {
        const options = this._options;
        const followed =
            given ??
            new StreamMetadata(params, {
                WebSocket: options.connectorOptions?.WebSocket,
                fetch: options.connectorOptions?.fetch,
                logger: options.logger,
                logLevel: options.logLevel,
            });
        this._streamMetadata = followed;
        this._ownsMetadata = !given;
        const signal = this._startAbort?.signal;
        followed.on('metadata', (metadata) => this._onMetadata(metadata), { signal });
        followed.on('state', (state, reason) => this._onStreamState(state, reason), { signal });
        // One already open has told its news before: they apply now.
        if (followed.metadata) this._onMetadata(followed.metadata);
        if (followed.state) this._onStreamState(followed.state);
    }

    private _onMetadata(metadata: Metadata): void {
        this._metadata = metadata;
        this._emit('metadata', metadata);
        this._updateRenditions();
        this._timedData.streamTracks = metadata.datas.map((t) => t.index);
    }

    private _onStreamState(state: StreamState, reason?: string): void {
        this._streamState = state;
        this._emit('streamState', state, reason);
        // Waiting for the stream (waitForStream): it is back, no need to wait for the next poll.
        if (state === 'online' && this.state === 'offline') this._retryNow();
    }

    /**
     * The renditions of the metadata, keeping the tracks of the codecs the live session
     * negotiated (all of them before a session has); emits `renditions` when they change. Runs per
     * document and per session, never per stats tick.
     */
    private _updateRenditions(): void {
        const metadata = this._metadata;
        if (!metadata) return;
        const codecs = this.connector?.codecs;
        const playable = codecs?.size ? metadata.subset(codecs) : metadata;
        this._audioRenditions = playable.audios.map((t) =>
            t.bps ? { track: t.index, bitrate: t.bps } : { track: t.index },
        );
        if (this._options.renditions) return;
        const renditions = playable.renditions;
        if (renditions.length && !sameRenditions(renditions, this._renditions)) {
            this._renditions = renditions;
            // The app gets its own copy: the Player's list is frozen.
            this._emit('renditions', [...renditions]);
        }
    }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed property handlers (onStart, onStats …) and the TSDoc of stop()
export interface Player extends EventHandlers<PlayerEvents> {
    /**
     * Stops playing and releases everything; fires `stop` once.
     *
     * @example
     * ```ts
     * stopButton.onclick = () => player.stop();
     * ```
     */
    stop(): void;
}

/** How long the player catches up after a freeze (a jitter-buffer target of 0), ms. */
const CATCH_UP_MS = 3000;

/** The Player's video element, where `requestVideoFrameCallback` may be missing. */
type VideoElement = HTMLVideoElement & { requestVideoFrameCallback?: (callback: () => void) => number };

/** The rendition selector of the `mbr` option. */
function selectorOf(mbr: PlayerOptions['mbr']): RenditionSelector | undefined {
    if (mbr === false) return undefined;
    if (mbr === true || mbr === undefined) return new DefaultMultiBitrate();
    return isSelector(mbr) ? mbr : new DefaultMultiBitrate(mbr);
}

function isSelector(value: MultiBitrateOptions | RenditionSelector): value is RenditionSelector {
    return typeof (value as Partial<RenditionSelector>).decide === 'function';
}

/** Validates a track choice; returns it with `'auto'` as `undefined`. */
function checkTrack(track: number | 'auto' | 'none' | undefined): number | 'none' | undefined {
    if (track === undefined || track === 'auto') return undefined;
    if (track === 'none' || isTrackIndex(track)) return track;
    throw new RtcError('INVALID_ARGUMENT', `track must be an index, 'auto', 'none' or undefined`);
}

/** Whether `renditions` has `track`. */
function hasTrack(renditions: readonly Rendition[], track: number): boolean {
    return renditions.some((r) => r.track === track);
}

/** Whether two rendition lists describe the same renditions, in the same order. */
function sameRenditions(a: readonly Rendition[], b: readonly Rendition[]): boolean {
    return (
        a.length === b.length &&
        a.every((r, i) => {
            const other = b[i]!;
            return (
                r.track === other.track &&
                r.bitrate === other.bitrate &&
                r.width === other.width &&
                r.height === other.height
            );
        })
    );
}
