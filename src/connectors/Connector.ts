import { Emitter, type EventMap } from '../core/Emitter';
import { createLogger, type Logger } from '../core/logger';
import { RtcError } from '../core/RtcError';
import type {
    ConnectParams,
    ConnectorOptions,
    ConnectorState,
    MediaKind,
    RTCPeerConnectionConstructor,
} from '../core/types';
import {
    countIncomingMedia,
    enableOpusStereo,
    isPlausibleSdp,
    negotiatedCodecs,
    preferVideoCodec,
    requireH264PacketizationMode1,
} from '../sdp/munge';
import { normalizeStats, statsEntries, type ConnectionInfos } from '../stats/connectionInfos';

/**
 * Events of every connector. Subscribe with `connector.on('open', fn)` or set the matching property
 * handler (`connector.onOpen = fn`).
 */
export interface ConnectorEvents extends EventMap {
    /**
     * The media is flowing: the player's remote stream has its tracks / the publisher is connected.
     *
     * @example
     * ```ts
     * connector.on('open', (stream) => (video.srcObject = stream));
     * ```
     */
    open: [stream: MediaStream];
    /**
     * The session is over; `error` is undefined when the app closed it. Fires once.
     *
     * @example
     * ```ts
     * connector.on('close', (error) => error && console.warn(error.code, error.retryable, error.message));
     * ```
     */
    close: [error?: RtcError];
    /**
     * The state changed (`'connecting'` → `'open'` → `'closed'`); deduplicated, silent after `'closed'`.
     *
     * @example
     * ```ts
     * connector.on('state', (state) => (badge.textContent = state));
     * ```
     */
    state: [state: ConnectorState];
}

/**
 * Milliseconds since the connector was created at which each step of the session happened
 * (undefined until it happens).
 */
export interface ConnectorTimings {
    /** Signaling socket open (WebSocket only). */
    socketOpen?: number;
    /** Local offer created and set. */
    offerReady?: number;
    /** Server answer received. */
    answer?: number;
    /** ICE connected. */
    iceConnected?: number;
    /** DTLS connected (peer connection `connected`). */
    dtlsConnected?: number;
    /** `open` emitted. */
    open?: number;
}

/** Milliseconds clock, read lazily (never at import time). */
export function now(): number {
    return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

type Timer = ReturnType<typeof setTimeout>;

/** The error of a call on a closed session. @internal */
export const closedError = (): RtcError => new RtcError('INVALID_STATE', 'the session is closed');

const DEFAULTS = {
    answerTimeoutMs: 15_000,
    commandTimeoutMs: 5_000,
    watchdogMs: 30_000,
    disconnectedGraceMs: 5_000,
    connectTimeoutMs: 15_000,
};

/**
 * Base of the connectors ({@link WSController}, {@link HTTPConnector}): owns one RTCPeerConnection
 * and one signaling session. It builds the peer connection and the offer, has the subclass
 * exchange it for the server's answer (WebSocket message or WHIP/WHEP `POST`), applies the answer,
 * and opens when the media flows. A connector is single-use: once `closed`, create a new one (the
 * {@link Player} and {@link Streamer} facades do that for you on reconnection).
 *
 * State: `connecting` → `open` → `closed` (or `connecting` → `closed`); `close` fires exactly once.
 *
 * @example
 * ```ts
 * // The same code works with either connector, e.g. the live session of a Player
 * const connector = player.connector;
 * if (connector?.opened) {
 *     const infos = await connector.connectionInfos();
 *     console.log(connector.streamName, [...connector.codecs], 'rtt', infos.rtt, 's');
 *     connector.on('close', (error) => console.log('session ended', error?.code ?? 'by the app'));
 * }
 * ```
 */
export abstract class Connector<M extends ConnectorEvents = ConnectorEvents> extends Emitter<M> {
    /** The stream name of the session. */
    readonly streamName: string;
    /** Whether this session publishes (`true`) or plays (`false`). */
    readonly publishing: boolean;
    /** Codec names the answer negotiated (`OPUS`, `VP8`, `H264` …); empty until the answer. */
    readonly codecs = new Set<string>();
    /** Steps of the session in ms since construction. */
    readonly timings: ConnectorTimings = {};

    /** @internal */
    protected readonly _params: ConnectParams;
    /** @internal */
    protected readonly _options: ConnectorOptions;
    /** @internal */
    protected readonly _logger: Logger;
    /** @internal */
    protected _pc: RTCPeerConnection | undefined;

    private _state: ConnectorState = 'connecting';
    private _stream: MediaStream | undefined;
    private _created = now();
    private _timers = new Set<Timer>();
    private _queue: Promise<unknown> = Promise.resolve();
    private _expectedTracks = Infinity;
    private _statsCache: { at: number; promise: Promise<ConnectionInfos> } | undefined;
    private _lastStats: { timestamp: number; stats: ReturnType<typeof statsEntries> } | undefined;
    private _disconnectTimer: Timer | undefined;

    constructor(params: ConnectParams, stream: MediaStream | undefined, options: ConnectorOptions, name: string) {
        super();
        if (!params || typeof params.endPoint !== 'string') {
            throw new RtcError('INVALID_ARGUMENT', 'params.endPoint must be a string');
        }
        if (stream && stream.getTracks().length === 0) {
            throw new RtcError('INVALID_ARGUMENT', 'the stream to publish has no track');
        }
        this._params = params;
        this._options = options;
        this._logger = createLogger(name, options.logLevel, options.logger);
        this._log = this._logger;
        this.publishing = stream !== undefined;
        this._stream = stream;
        this.streamName = this._resolveStreamName();
    }

    /** Resolves the stream name (and validates the endpoint) synchronously. @internal */
    protected abstract _resolveStreamName(): string;

    /** Exchanges the offer for the server's answer SDP. @internal */
    protected abstract _sip(offer: string): Promise<string>;

    /** Releases the subclass's signaling resources; called once by {@link close}. @internal */
    protected abstract _teardown(error: RtcError | undefined): void;

    /** `'connecting'`, `'open'` or `'closed'`. */
    get state(): ConnectorState {
        return this._state;
    }
    /** Whether `open` has fired and the session is not closed. */
    get opened(): boolean {
        return this._state === 'open';
    }
    /** Whether the session is over. */
    get closed(): boolean {
        return this._state === 'closed';
    }
    /** The published stream, or the player's remote stream once tracks arrive. */
    get stream(): MediaStream | undefined {
        return this._stream;
    }
    /** The underlying peer connection (undefined after close). */
    get peerConnection(): RTCPeerConnection | undefined {
        return this._pc;
    }

    /**
     * Closes the session: idempotent; releases the socket, timers, peer connection and the tracks
     * it created, then fires `state('closed')` and `close(error)` once.
     */
    close(error?: RtcError): void {
        if (this._state === 'closed') return;
        this._state = 'closed';
        for (const timer of this._timers) clearTimeout(timer);
        this._timers.clear();
        try {
            this._teardown(error);
        } catch (e) {
            this._logger.warn('teardown failed', { error: e });
        }
        const pc = this._pc;
        this._pc = undefined;
        if (pc) {
            pc.ontrack = null;
            pc.onconnectionstatechange = null;
            pc.oniceconnectionstatechange = null;
            try {
                pc.close();
            } catch (e) {
                this._logger.debug('pc.close threw', { error: e });
            }
        }
        if (!this.publishing) this._stream?.getTracks().forEach((t) => t.stop());
        if (error) this._logger.info('closed', { code: error.code, message: error.message });
        this._emitBase('state', 'closed');
        this._emitBase('close', error);
    }

    /**
     * Replaces the sent track of `kind` without renegotiation (`null` sends nothing). Rejects with
     * `INVALID_STATE` when there is no sender of that kind; the session stays open either way.
     */
    replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
        if (kind !== 'audio' && kind !== 'video') {
            return Promise.reject(new RtcError('INVALID_ARGUMENT', `kind must be 'audio' or 'video'`));
        }
        if (track && track.kind !== kind) {
            return Promise.reject(new RtcError('INVALID_ARGUMENT', `track is ${track.kind}, not ${kind}`));
        }
        return this._serialize(async () => {
            const pc = this._pc;
            if (!pc || this.closed) throw closedError();
            const transceiver = pc
                .getTransceivers()
                .find(
                    (t) =>
                        (t.direction === 'sendonly' || t.direction === 'sendrecv') &&
                        (t.sender.track?.kind ?? t.receiver.track?.kind) === kind,
                );
            if (!transceiver) throw new RtcError('INVALID_STATE', `no ${kind} sender in this session`);
            try {
                await transceiver.sender.replaceTrack(track);
            } catch (cause) {
                throw RtcError.from(cause, 'MEDIA_FAILED', `replaceTrack(${kind}) failed`);
            }
        });
    }

    /**
     * Normalised `getStats()` summary; samples younger than `cacheMs` are reused so that several
     * consumers cost one `getStats()` call.
     */
    connectionInfos(cacheMs = 1000): Promise<ConnectionInfos> {
        const pc = this._pc;
        if (!pc) return Promise.reject(closedError());
        const t = now();
        if (this._statsCache && t - this._statsCache.at < cacheMs) return this._statsCache.promise;
        const promise = pc.getStats().then((report) => {
            const stats = statsEntries(report);
            const sampleTime = now();
            const infos = normalizeStats(stats, this._lastStats, sampleTime);
            this._lastStats = { timestamp: sampleTime, stats };
            return infos;
        });
        promise.catch(() => (this._statsCache = undefined));
        this._statsCache = { at: t, promise };
        return promise;
    }

    /** Starts the session: builds the peer connection and the offer, then signals. @internal */
    protected _start(): void {
        this._run().catch((error: unknown) => this._fail(error, 'SIGNALING_FAILED'));
    }

    /** Closes with `error` mapped to an RtcError (no-op when already closed). @internal */
    protected _fail(error: unknown, code: RtcError['code'] = 'SIGNALING_FAILED'): void {
        if (this.closed) return;
        this.close(RtcError.from(error, code));
    }

    /** Schedules `fn` after `ms`; the timer is cleared on close. @internal */
    protected _setTimer(fn: () => void, ms: number): Timer {
        const timer = setTimeout(() => {
            this._timers.delete(timer);
            if (!this.closed) fn();
        }, ms);
        this._timers.add(timer);
        return timer;
    }

    /** Clears a timer from {@link _setTimer}. @internal */
    protected _clearTimer(timer: Timer | undefined): void {
        if (timer === undefined) return;
        clearTimeout(timer);
        this._timers.delete(timer);
    }

    /** Records a step in {@link timings}. @internal */
    protected _mark(step: keyof ConnectorTimings): void {
        if (this.timings[step] === undefined) this.timings[step] = Math.round(now() - this._created);
    }

    /** Runs `task` after every task queued before it on this peer connection. @internal */
    protected _serialize<T>(task: () => Promise<T>): Promise<T> {
        const result = this._queue.then(task, task);
        this._queue = result.catch(() => undefined);
        return result;
    }

    /** The option with its default. @internal */
    protected _opt<K extends keyof typeof DEFAULTS>(key: K): number {
        const value = (this._options as Record<string, unknown>)[key];
        return typeof value === 'number' && value >= 0 ? value : DEFAULTS[key];
    }

    /** Emits one of the base events from generic code. @internal */
    protected _emitBase<K extends keyof ConnectorEvents & string>(event: K, ...args: ConnectorEvents[K]): void {
        (this as unknown as Connector<ConnectorEvents>)._emit(event, ...args);
    }

    private async _buildOffer(): Promise<string> {
        const PC: RTCPeerConnectionConstructor | undefined =
            this._options.RTCPeerConnection ??
            (globalThis as { RTCPeerConnection?: RTCPeerConnectionConstructor }).RTCPeerConnection;
        if (!PC) throw new RtcError('NOT_SUPPORTED', 'RTCPeerConnection is not available on this platform');
        const pc = new PC({
            iceServers: this._params.iceServers ?? [],
            bundlePolicy: 'max-bundle',
            rtcpMuxPolicy: 'require',
        });
        this._pc = pc;
        pc.onconnectionstatechange = () => this._onConnectionState();
        pc.oniceconnectionstatechange = () => this._onIceState();
        if (this._stream) {
            for (const track of this._stream.getTracks()) {
                const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [this._stream] };
                if (track.kind === 'video' && this._options.simulcast) {
                    init.sendEncodings = [
                        { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 200_000 },
                        { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 700_000 },
                        { rid: 'h', maxBitrate: 2_500_000 },
                    ];
                }
                const transceiver = pc.addTransceiver(track, init);
                if (track.kind === 'video') this._applyCodecPreference(transceiver);
            }
        } else {
            pc.ontrack = (event) => this._onTrack(event);
            pc.addTransceiver('audio', { direction: 'recvonly' });
            pc.addTransceiver('video', { direction: 'recvonly' });
        }
        const offer = await pc.createOffer();
        let sdp = enableOpusStereo(offer.sdp ?? '');
        sdp = requireH264PacketizationMode1(sdp);
        if (this._options.videoCodec) sdp = preferVideoCodec(sdp, this._options.videoCodec);
        await pc.setLocalDescription({ type: 'offer', sdp });
        this._mark('offerReady');
        return sdp;
    }

    private _applyCodecPreference(transceiver: RTCRtpTransceiver): void {
        const wanted = this._options.videoCodec;
        const Sender = (globalThis as { RTCRtpSender?: { getCapabilities?(kind: string): RTCRtpCapabilities | null } })
            .RTCRtpSender;
        const codecs = Sender?.getCapabilities?.('video')?.codecs;
        if (!wanted || !codecs || typeof transceiver.setCodecPreferences !== 'function') return;
        const mime = `video/${wanted}`.toLowerCase();
        const first = codecs.filter((c) => c.mimeType.toLowerCase() === mime);
        if (first.length === 0) {
            this._logger.warn(`video codec ${wanted} is not supported by this browser; using its default`);
            return;
        }
        try {
            transceiver.setCodecPreferences([...first, ...codecs.filter((c) => c.mimeType.toLowerCase() !== mime)]);
        } catch (error) {
            this._logger.debug('setCodecPreferences failed; SDP reordering applies', { error });
        }
    }

    private async _run(): Promise<void> {
        const offer = await this._buildOffer();
        if (this.closed) return;
        const answer = await this._withTimeout(this._sip(offer), this._opt('answerTimeoutMs'), 'answer');
        if (this.closed) return;
        this._mark('answer');
        if (!isPlausibleSdp(answer)) throw new RtcError('SIGNALING_FAILED', 'the server sent an invalid SDP answer');
        const pc = this._pc;
        if (!pc) return;
        this._expectedTracks = this.publishing ? Infinity : countIncomingMedia(answer);
        if (!this.publishing && this._expectedTracks === 0) {
            throw new RtcError('MEDIA_FAILED', 'the server answered without any media to play');
        }
        try {
            await pc.setRemoteDescription({ type: 'answer', sdp: answer });
        } catch (cause) {
            throw new RtcError('SIGNALING_FAILED', 'the server answer was not accepted by the browser', { cause });
        }
        if (this.closed) return;
        for (const codec of negotiatedCodecs(answer)) this.codecs.add(codec);
        this._setTimer(() => {
            if (!this._connected())
                this._fail(new RtcError('CONNECTION_LOST', 'the media connection did not establish in time'));
        }, this._opt('connectTimeoutMs'));
        this._checkOpen();
    }

    private _withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            const timer = this._setTimer(
                () => reject(new RtcError('TIMEOUT', `no ${what} from the server within ${ms} ms`)),
                ms,
            );
            promise.then(
                (value) => {
                    this._clearTimer(timer);
                    resolve(value);
                },
                (error: unknown) => {
                    this._clearTimer(timer);
                    reject(error);
                },
            );
        });
    }

    private _onTrack(event: RTCTrackEvent): void {
        if (this.closed) return;
        if (!this._stream) {
            const Stream = (globalThis as { MediaStream?: new () => MediaStream }).MediaStream;
            this._stream = event.streams[0] ?? (Stream ? new Stream() : undefined);
        }
        if (this._stream && !this._stream.getTracks().includes(event.track)) this._stream.addTrack(event.track);
        this._checkOpen();
    }

    private _connected(): boolean {
        const pc = this._pc;
        if (!pc) return false;
        return (
            pc.connectionState === 'connected' ||
            (pc.connectionState === undefined &&
                (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed'))
        );
    }

    private _checkOpen(): void {
        if (this._state !== 'connecting' || !this._pc || this._pc.remoteDescription === null) return;
        const ready = this.publishing
            ? this._connected()
            : (this._stream?.getTracks().length ?? 0) >= this._expectedTracks;
        if (!ready || !this._stream) return;
        this._state = 'open';
        this._mark('open');
        this._emitBase('state', 'open');
        this._emitBase('open', this._stream);
    }

    private _onIceState(): void {
        const pc = this._pc;
        if (!pc || this.closed) return;
        if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') this._mark('iceConnected');
        if (pc.connectionState === undefined) this._onConnectionState();
    }

    private _onConnectionState(): void {
        const pc = this._pc;
        if (!pc || this.closed) return;
        const state = pc.connectionState ?? pc.iceConnectionState;
        if (this._connected()) {
            this._mark('iceConnected');
            this._mark('dtlsConnected');
            this._clearTimer(this._disconnectTimer);
            this._disconnectTimer = undefined;
            this._checkOpen();
        } else if (state === 'failed') {
            this._fail(new RtcError('CONNECTION_LOST', 'the media connection failed'));
        } else if (state === 'disconnected' && this._disconnectTimer === undefined) {
            this._disconnectTimer = this._setTimer(() => {
                this._disconnectTimer = undefined;
                this._fail(new RtcError('CONNECTION_LOST', 'the media connection was interrupted'));
            }, this._opt('disconnectedGraceMs'));
        } else if (state === 'closed') {
            this._fail(new RtcError('CONNECTION_LOST', 'the media connection closed'));
        }
    }
}
