import { Emitter, type EventMap } from '../core/Emitter';
import { createLogger } from '../core/logger';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions, ConnectorState, MediaKind } from '../core/types';
import { mungeOffer, readAnswer } from '../sdp/munge';
import { normalizeStats, type ConnectionInfos, type StatsSample } from '../stats/connectionInfos';

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
    return performance.now();
}

type Timer = ReturnType<typeof setTimeout>;

/** The error of a call on a closed session. @internal */
export const closedError = (): RtcError => new RtcError('INVALID_STATE', 'session closed');

/** Whether a (peer or ICE) connection state means connected. */
const isUp = (state: string): boolean => state === 'connected' || state === 'completed';

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
    /** The underlying peer connection (undefined after close). */
    readonly peerConnection?: RTCPeerConnection;

    private _state: ConnectorState = 'connecting';
    /** The published stream, or the player's remote stream once tracks arrive. */
    readonly stream?: MediaStream;
    private _created = now();
    private _timers = new Set<Timer>();
    /** The answer's media count (undefined before the answer: no count reaches it). */
    private _expectedTracks?: number;
    /** When the cached sample was asked for (undefined: none, or it failed). */
    private _statsAt?: number;
    private _statsPromise: Promise<ConnectionInfos> | undefined;
    /** The previous sample (the interval rates' base), kept by normalizeStats. */
    private _lastStats: StatsSample = {};
    private _disconnectTimer: Timer | undefined;
    /** Whether the peer connection is connected (as of its last state change). */
    private _up?: boolean;

    constructor(params: ConnectParams, stream: MediaStream | undefined, options: ConnectorOptions, name: string) {
        super();
        if (stream && !stream.getTracks().length) {
            throw new RtcError('INVALID_ARGUMENT', 'stream has no track');
        }
        this._params = params;
        this._options = options;
        this._log = createLogger(name, options.logLevel, options.logger);
        this.publishing = !!stream;
        this.stream = stream;
        // Validates params (INVALID_ARGUMENT for no params, a bad endPoint or no stream name).
        this.streamName = this._resolveStreamName();
        // Runs synchronously up to its first await: subclass fields with initializers must not be
        // touched before that (their initializers run after this constructor).
        this._run().catch((error: unknown) => this.close(RtcError.from(error, 'SIGNALING_FAILED')));
    }

    /** Resolves the stream name (and validates the endpoint) synchronously. @internal */
    protected abstract _resolveStreamName(): string;

    /** Exchanges the offer for the server's answer SDP. @internal */
    protected abstract _sip(offer: string): Promise<string>;

    /** Releases the subclass's signaling resources; called once by {@link close}; never throws. @internal */
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

    /**
     * Closes the session: idempotent; releases the socket, timers, peer connection and the tracks
     * it created, then fires `state('closed')` and `close(error)` once.
     */
    close(error?: RtcError): void {
        if (this.closed) return;
        this._state = 'closed';
        this._timers.forEach(clearTimeout);
        try {
            this._teardown(error);
        } catch (e) {
            // An injected socket implementation may throw on close: the rest must still be released.
            this._log.warn('teardown failed', { error: e });
        }
        // The peer connection's handlers do nothing without a peer connection.
        this.peerConnection?.close();
        (this as { peerConnection?: RTCPeerConnection }).peerConnection = undefined;
        if (!this.publishing) this.stream?.getTracks().forEach((t) => t.stop());
        this._log.info('closed', { error });
        (this as Connector)._emit('state', 'closed');
        (this as Connector)._emit('close', error);
    }

    /**
     * Replaces the sent track of `kind` without renegotiation (`null` sends nothing). Rejects with
     * `INVALID_STATE` when there is no sender of that kind; the session stays open either way.
     */
    async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
        // No queue of our own: the browser chains replaceTrack on the peer connection's operations chain.
        // A track's kind is 'audio' or 'video': only a bare `kind` needs checking.
        if (track ? track.kind !== kind : kind !== 'audio' && kind !== 'video') {
            throw new RtcError('INVALID_ARGUMENT', `invalid kind '${kind}'${track ? ` for ${track.kind}` : ''}`);
        }
        // The receiver's track always exists and has the transceiver's kind. Closed: no sender either.
        const transceiver = this.peerConnection
            ?.getTransceivers()
            .find((t) => /send/.test(t.direction) && t.receiver.track.kind === kind);
        if (!transceiver) throw new RtcError('INVALID_STATE', `no ${kind} sender`);
        await transceiver.sender.replaceTrack(track).catch((cause: unknown) => Promise.reject(RtcError.from(cause)));
    }

    /**
     * Normalised `getStats()` summary; samples younger than `cacheMs` are reused so that several
     * consumers cost one `getStats()` call.
     */
    async connectionInfos(cacheMs = 1000): Promise<ConnectionInfos> {
        const pc = this.peerConnection;
        if (!pc) throw closedError();
        const t = now();
        // No sample (or a failed one): NaN, never below cacheMs.
        if (!(t - this._statsAt! < cacheMs)) {
            this._statsAt = t;
            // The sample's time is when it was asked for.
            (this._statsPromise = pc.getStats().then((report) => normalizeStats(report, this._lastStats, t))).catch(
                () => (this._statsAt = undefined),
            );
        }
        return this._statsPromise!;
    }

    /**
     * Schedules `fn` after `ms`; the timer is cleared on close (and no timer is set after close).
     * A fired timer stays in the set until close or {@link _clearTimer}: harmless. @internal
     */
    protected _setTimer(fn: () => void, ms: number): Timer {
        const timer = setTimeout(fn, ms);
        this._timers.add(timer);
        return timer;
    }

    /** Clears a timer from {@link _setTimer}. @internal */
    protected _clearTimer(timer: Timer | undefined): void {
        clearTimeout(timer);
        this._timers.delete(timer!);
    }

    /** Records a step in {@link timings}. @internal */
    protected _mark(step: keyof ConnectorTimings): void {
        if (this.timings[step] === undefined) this.timings[step] = Math.round(now() - this._created);
    }

    /** A duration option (ms), `fallback` unless it is a number >= 0. @internal */
    protected _opt(value: number | undefined, fallback: number): number {
        return typeof value == 'number' && value >= 0 ? value : fallback;
    }

    /**
     * The platform implementation `name` (from the options, else the global, read at call time);
     * throws `NOT_SUPPORTED` when there is none. @internal
     */
    protected _platform<K extends 'fetch' | 'WebSocket' | 'RTCPeerConnection'>(
        name: K,
    ): NonNullable<ConnectorOptions[K]> {
        const impl = this._options[name] ?? (globalThis as ConnectorOptions)[name];
        if (!impl) throw new RtcError('NOT_SUPPORTED', `no ${name}`);
        return impl;
    }

    /** Opens the subclass's signaling channel, if any, before the peer connection is built. @internal */
    protected _connect?(): void;

    private async _run(): Promise<void> {
        this._connect?.();
        const options = this._options;
        const PC = this._platform('RTCPeerConnection');
        // rtcpMuxPolicy 'require' and iceServers [] are the defaults.
        const pc = ((this as { peerConnection?: RTCPeerConnection }).peerConnection = new PC({
            iceServers: this._params.iceServers,
            bundlePolicy: 'max-bundle',
        }));
        pc.onconnectionstatechange = pc.oniceconnectionstatechange = () => this._onState();
        const codec = options.videoCodec;
        const stream = this.stream;
        if (stream) {
            for (const track of stream.getTracks()) {
                const video = track.kind === 'video';
                const transceiver = pc.addTransceiver(track, {
                    direction: 'sendonly',
                    streams: [stream],
                    sendEncodings:
                        video && options.simulcast
                            ? [
                                  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 200_000 },
                                  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 700_000 },
                                  { rid: 'h', maxBitrate: 2_500_000 },
                              ]
                            : undefined,
                });
                if (video && codec) {
                    try {
                        const wanted = (c: RTCRtpCodec) => c.mimeType.toLowerCase() === `video/${codec.toLowerCase()}`;
                        const codecs = RTCRtpSender.getCapabilities('video')!.codecs;
                        if (!codecs.some(wanted)) this._log.warn(`${codec} unsupported`);
                        // Stable sort: the wanted codec first, the others in the browser's order.
                        transceiver.setCodecPreferences(codecs.sort((a, b) => +wanted(b) - +wanted(a)));
                    } catch {
                        // No RTCRtpSender.getCapabilities or setCodecPreferences: mungeOffer reorders the offer.
                    }
                }
            }
        } else {
            pc.ontrack = (event) => this._onTrack(event);
            for (const kind of ['audio', 'video']) pc.addTransceiver(kind, { direction: 'recvonly' });
        }
        const sdp = mungeOffer((await pc.createOffer()).sdp!, codec);
        await pc.setLocalDescription({ type: 'offer', sdp });
        this._mark('offerReady');
        if (this.closed) return;
        const ms = this._opt(this._options.answerTimeoutMs, 15_000);
        // On timeout the session closes, and the subclass's teardown ends _sip.
        const timer = this._setTimer(() => this.close(new RtcError('TIMEOUT', `no answer within ${ms} ms`)), ms);
        const answer = await this._sip(sdp);
        this._clearTimer(timer);
        if (this.closed) return;
        this._mark('answer');
        const read = readAnswer(answer);
        try {
            // The browser's refusal too: its reason is the cause.
            if (!read) throw read;
            await pc.setRemoteDescription({ type: 'answer', sdp: answer });
        } catch (cause) {
            throw new RtcError('SIGNALING_FAILED', 'invalid SDP answer', { cause });
        }
        // Tracks that arrived meanwhile are counted by the _checkOpen below.
        if (!this.publishing && !(this._expectedTracks = read![1])) {
            throw new RtcError('MEDIA_FAILED', 'answer has no media');
        }
        if (this.closed) return;
        for (const c of read![0]) this.codecs.add(c);
        // ICE and DTLS get 15 s to connect (not an option).
        this._setTimer(() => this._up || this._lost('media connection timed out'), 15_000);
        this._checkOpen();
    }

    private _onTrack(event: RTCTrackEvent): void {
        if (this.closed) return;
        // Without a=msid in the answer the track comes without a stream (browsers have MediaStream).
        const stream = ((this as { stream?: MediaStream }).stream ??= event.streams[0] ?? new MediaStream());
        // A track already in the stream is not added twice (MediaStream.addTrack's own rule).
        stream.addTrack(event.track);
        this._checkOpen();
    }

    /**
     * Opens once the media flows. Both conditions imply the answer is applied: ICE cannot connect
     * without it, and tracks are only counted against the answer's m-lines (Infinity before).
     */
    private _checkOpen(): void {
        const stream = this.stream;
        if (
            this._state === 'connecting' &&
            stream &&
            (this.publishing ? this._up : stream.getTracks().length >= this._expectedTracks!)
        ) {
            this._state = 'open';
            this._mark('open');
            (this as Connector)._emit('state', 'open');
            (this as Connector)._emit('open', stream);
        }
    }

    /** Both `connectionstatechange` and `iceconnectionstatechange` (alone on old browsers). */
    private _onState(): void {
        const pc = this.peerConnection;
        if (!pc) return;
        if (isUp(pc.iceConnectionState)) this._mark('iceConnected');
        const state = pc.connectionState ?? pc.iceConnectionState;
        if ((this._up = isUp(state))) {
            this._mark('dtlsConnected');
            this._clearTimer(this._disconnectTimer);
            this._disconnectTimer = undefined;
            this._checkOpen();
        } else if (state === 'disconnected') {
            if (this._disconnectTimer === undefined)
                this._disconnectTimer = this._setTimer(
                    () => this._lost(`media connection ${state}`),
                    this._opt(this._options.disconnectedGraceMs, 5_000),
                );
        } else if (state === 'failed') {
            // 'closed' comes from pc.close() only, which fires no event.
            this._lost(`media connection ${state}`);
        }
    }

    /** Closes with a (retryable) `CONNECTION_LOST` error. @internal */
    protected _lost(message: string, cause?: unknown): void {
        this.close(new RtcError('CONNECTION_LOST', message, { cause }));
    }
}
