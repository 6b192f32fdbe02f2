import { now } from '../core/clock';
import { Emitter, type EventMap, type EventName } from '../core/Emitter';
import { iceServersOf } from '../core/iceServers';
import { resolveStreamName } from '../core/endpoint';
import { createLogger } from '../core/logger';
import { nonNegative } from '../core/numbers';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions, ConnectorState, MediaKind } from '../core/types';
import { encodeTimedData, readTimedData } from '../data/timedData';
import { isIncomingTrack, readAnswer, type AnswerInfo } from '../sdp/answer';
import { prepareOffer } from '../sdp/offer';
import { normalizeStats, type ConnectionInfos, type StatsSample } from '../stats/connectionInfos';
import { isConnected, mediaState } from './connectionState';
import { DataLink, type DataLinkHandlers } from './DataLink';

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
    /**
     * Timed data from the server's data channel (play sessions): `time` in the media's clock (ms,
     * the clock of `playing`'s `current`), the data (meta) track, the item (any JSON value; a
     * subtitle's text), and a subtitle's `duration` (ms).
     *
     * @example
     * ```ts
     * connector.on('data', (time, track, data) => console.log(`track ${track} at ${time} ms:`, data));
     * ```
     */
    data: [time: number, track: number, data: unknown, duration?: number];
    /**
     * The session's timed-data channel opened (`'open'`), or will carry nothing (`'none'`: the
     * answer has none, it closed, or it did not open within 5 s of the media connection). Fires at
     * most once each way; the {@link Player} then reads timed data from the server's data
     * WebSocket. The state before this event is {@link Connector.dataChannel}.
     *
     * @example
     * ```ts
     * connector.on('dataChannel', (state) => console.log(state === 'open' ? 'timed data on the data channel' : 'none'));
     * ```
     */
    dataChannel: [state: 'open' | 'none'];
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

/**
 * A connector class: what {@link Player} and {@link Streamer} accept as their `connector` option
 * to sign sessions with signaling of your own (see {@link Connector}).
 */
export type ConnectorClass = new (params: ConnectParams, stream?: MediaStream, options?: ConnectorOptions) => Connector;

type Timer = ReturnType<typeof setTimeout>;

/** How long ICE and DTLS may take to connect once the answer is applied, ms. */
const MEDIA_CONNECT_TIMEOUT_MS = 15_000;

/** The error of a call on a closed session. @internal */
export function closedError(): RtcError {
    return new RtcError('INVALID_STATE', 'session closed');
}

/** How long the data channels may take to open once the media connection is up, ms (MistServer's player waits as long). */
const DATA_CHANNEL_TIMEOUT_MS = 5_000;

/** How long a teardown may hold the peer connection open, ms. */
const TEARDOWN_GRACE_MS = 1000;

/** Closes `pc` once `released` settles (at the latest after the grace), or at once without it. */
function closeAfter(pc: RTCPeerConnection, released: Promise<unknown> | void): void {
    if (!released) return pc.close();
    const timer = setTimeout(() => pc.close(), TEARDOWN_GRACE_MS);
    const close = () => {
        clearTimeout(timer);
        pc.close();
    };
    released.then(close, close);
}

/** What a play session needs by default (`requiredMedia`): a picture; audio is optional (PROTOCOL.md). */
const DEFAULT_REQUIRED_MEDIA: readonly MediaKind[] = ['video'];

/**
 * Why a publish answer cannot carry every published track: the m-lines it rejects, named, or
 * `undefined` when it takes them all. A rejected track would silently not be published.
 */
function rejectedTracks(info: AnswerInfo): string | undefined {
    const media = info.media.filter((m) => m.kind === 'audio' || m.kind === 'video');
    const rejected = media.filter((m) => m.rejected);
    if (!rejected.length) return undefined;
    // Nothing would ever be sent: the server takes none of our codecs (or none of our tracks).
    if (rejected.length === media.length) return 'the server rejected every published track (check the codecs)';
    const kinds = rejected.map((m) => m.kind).join(' and ');
    return `the server rejected the published ${kinds} track (check the codecs it accepts)`;
}

/** The simulcast layers a publisher sends when `simulcast` is set (servers relay the one a player needs). */
const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
    { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 200_000 },
    { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 700_000 },
    { rid: 'h', maxBitrate: 2_500_000 },
];

/**
 * Base of the connectors ({@link WSController}, {@link HTTPConnector}, or your own): owns one
 * RTCPeerConnection and one signaling session. Construction starts the session as soon as the
 * constructor chain has returned (so that every field of every subclass is initialised):
 * {@link Connector._open} builds the peer connection and the offer, has {@link Connector._sip}
 * exchange it for the server's answer over the subclass's signaling, applies the answer, and opens
 * when the media flows. A connector is single-use: once `closed`, create a new one (the
 * {@link Player} and {@link Streamer} facades do that for you on reconnection).
 *
 * State: `connecting` → `open` → `closed` (or `connecting` → `closed`); `close` fires exactly once.
 *
 * **Extending.** Subclass it and implement `_sip` to use any signaling; override `_open` to do
 * something first (e.g. fetch ICE servers, then `super._open(servers)`) and `_teardown` to release
 * what your signaling holds. Pass the class to a facade as its `connector` option.
 *
 * @example
 * ```ts
 * // A WHEP-like exchange over a plain fetch, played by a Player with its reconnection and stats
 * class MyConnector extends Connector {
 *     protected async _sip(offer: string): Promise<string> {
 *         const response = await fetch(`https://media.example.com/play/${this.streamName}`, {
 *             method: 'POST',
 *             headers: { 'Content-Type': 'application/sdp' },
 *             body: offer,
 *         });
 *         if (!response.ok) throw new RtcError('REFUSED', `HTTP ${response.status}`);
 *         return response.text();
 *     }
 * }
 * const player = new Player(video, { connector: MyConnector });
 * player.start({ endPoint: 'media.example.com', streamName: 'live' });
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

    /** What the session was created with. @internal */
    protected readonly _params: ConnectParams;
    /** The connector options. @internal */
    protected readonly _options: ConnectorOptions;

    private _peerConnection: RTCPeerConnection | undefined;
    private _stream: MediaStream | undefined;
    private _state: ConnectorState = 'connecting';
    private readonly _createdAt = now();
    private readonly _timers = new Set<Timer>();
    /** How many tracks a player waits for before it opens: the answer's media count. */
    private _expectedTracks: number | undefined;
    /** Whether the peer connection is connected, as of its last state change. */
    private _connected = false;
    private _disconnectTimer: Timer | undefined;
    /** The latest `getStats()` summary, shared by the callers of {@link connectionInfos} for a while. */
    private _stats: { at: number; infos: Promise<ConnectionInfos> } | undefined;
    /** The previous raw stats sample, the base of the interval rates. */
    private readonly _lastSample: StatsSample = {};
    /** The session's data channels: timed data, and the subclass's own. */
    private readonly _links: DataLink[] = [];
    /** The timed-data channel (`JSON`), unless `dataChannels` is `false`. */
    private _timedData: DataLink | undefined;

    /**
     * Starts a session: it publishes `stream` (sendonly) when given one, else plays (recvonly).
     * Throws `INVALID_ARGUMENT` synchronously when `params` cannot name a stream or `stream` has no
     * track; everything later arrives as the `close` error.
     *
     * @param logName - the name this connector logs under (`ws`, `whip`, `whep` …).
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}, logName = 'connector') {
        super();
        if (stream && !stream.getTracks().length) {
            throw new RtcError('INVALID_ARGUMENT', 'stream has no track');
        }
        this.streamName = resolveStreamName(params);
        this._params = params;
        this._options = options;
        this._log = createLogger(logName, options.logLevel, options.logger);
        this.publishing = stream !== undefined;
        this._stream = stream;
        // After the constructor chain: a subclass's fields are initialised before its hooks run.
        queueMicrotask(() => void this._start());
    }

    /**
     * Exchanges the local offer for the server's answer SDP, over the subclass's signaling.
     * Rejecting closes the session with the rejection (an {@link RtcError} keeps its code; any
     * other value becomes `SIGNALING_FAILED`). Called once, by {@link Connector._open}, with the
     * offer already set as the local description; it must settle within `answerTimeoutMs`
     * (default 15 s), or the session closes with `TIMEOUT`.
     */
    protected abstract _sip(offer: string): Promise<string>;

    /**
     * Builds the RTCPeerConnection (with `iceServers`), creates and sets the offer, calls
     * {@link Connector._sip}, applies the answer, and opens once the media flows. The session
     * calls it once, right after construction; override it to prepare something first and then
     * call `super._open(iceServers)`. A rejection closes the session.
     *
     * @param iceServers - the peer connection's ICE servers (default: `params.iceServers` and
     *   `params.iceServer`).
     */
    protected async _open(iceServers: RTCIceServer[] | undefined = iceServersOf(this._params)): Promise<void> {
        const pc = this._createPeerConnection(iceServers);
        const offer = await this._createOffer(pc);
        if (this.closed) return;
        const answer = await this._exchange(offer);
        if (this.closed) return;
        this._mark('answer');
        await this._applyAnswer(pc, answer);
        if (this.closed) return;
        this._setTimer(() => this._connected || this._lost('media connection timed out'), MEDIA_CONNECT_TIMEOUT_MS);
        this._checkOpen();
    }

    /**
     * Releases what the subclass's signaling holds (a socket, a pending request); called once by
     * {@link close}, before the peer connection closes. When it returns a Promise (e.g. a `DELETE`
     * the server expects while the media still flows), the peer connection closes once it
     * settles, at the latest a second later; the session is `closed` at once either way. A throw is
     * logged.
     */
    protected _teardown(_error: RtcError | undefined): Promise<unknown> | void {
        // Nothing to release in the base class.
    }

    /**
     * A local ICE candidate was gathered (`null`: gathering is complete). The servers this SDK
     * targets need none (they are ICE-lite and find the client by its checks); WHIP/WHEP send them
     * by trickle `PATCH` where the server takes them. @internal
     */
    protected _onIceCandidate(_candidate: RTCIceCandidate | null): void {
        // Not needed by WebSocket signaling.
    }

    /**
     * Tries to recover a `disconnected` media connection by an ICE restart, before the session is
     * given up as lost (after `disconnectedGraceMs`). Resolves whether a restart was started; the
     * connection state tells whether it worked. The base class cannot restart. @internal
     */
    protected _restartIce(): Promise<boolean> {
        return Promise.resolve(false);
    }

    /**
     * Creates the session's data channels, before the offer (which then carries the application
     * m-line). The base class opens `JSON`, the timed-data channel: a play session receives the
     * stream's timed data on it (`data` events), a publish session sends its own
     * ({@link sendData}). Override it to add channels of your own with {@link _addDataLink}
     * (call `super`). Not called when the `dataChannels` option is `false`. @internal
     */
    protected _openDataChannels(pc: RTCPeerConnection): void {
        this._timedData = this._addDataLink(pc, 'JSON', {
            open: () => this._emitBase('dataChannel', 'open'),
            message: (text) => this._onTimedData(text),
            down: (reason) => {
                this._log.debug(`no timed data channel: ${reason}`);
                this._emitBase('dataChannel', 'none');
            },
        });
    }

    /**
     * Adds data channel `label` to the session: given up with the others when the answer has no
     * data channel or they do not open in time, closed with the session. @internal
     */
    protected _addDataLink(pc: RTCPeerConnection, label: string, handlers: DataLinkHandlers): DataLink {
        const link = new DataLink(pc, label, handlers);
        this._links.push(link);
        return link;
    }

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
    /** The underlying peer connection (undefined before the session starts and after close). */
    get peerConnection(): RTCPeerConnection | undefined {
        return this._peerConnection;
    }
    /** The published stream, or the player's remote stream once tracks arrive. */
    get stream(): MediaStream | undefined {
        return this._stream;
    }
    /**
     * The timed-data channel: `'connecting'` until it opens, `'open'`, or `'none'` when the session
     * has none (the `dataChannels` option is `false`, the answer rejected it, it closed or did not
     * open in time). See the `dataChannel` event.
     */
    get dataChannel(): 'connecting' | 'open' | 'none' {
        const link = this._timedData;
        if (!link || link.down) return 'none';
        return link.open ? 'open' : 'connecting';
    }

    /**
     * Sends `data` (any JSON value, at most 64 KiB of JSON) on the timed-data channel of a publish
     * session: the server stamps it with the stream's media time and relays it to the players as
     * a data (meta) track. Returns `false` when the channel is not open (yet, any more, or the
     * server has none), `true` once handed to it. Throws `INVALID_STATE` on a play session,
     * `INVALID_ARGUMENT` for data that is no JSON value or too large.
     *
     * @example
     * ```ts
     * publisher.on('dataChannel', (state) => state === 'open' && publisher.sendData({ slide: 3 }));
     * ```
     */
    sendData(data: unknown): boolean {
        if (!this.publishing) throw new RtcError('INVALID_STATE', 'sendData() is for publish sessions');
        const text = encodeTimedData(data);
        return this._timedData?.send(text) ?? false;
    }

    /**
     * Closes the session: idempotent; releases the signaling, timers, peer connection and the tracks
     * it created, then fires `state('closed')` and `close(error)` once.
     */
    close(error?: RtcError): void {
        if (this.closed) return;
        this._state = 'closed';
        for (const timer of this._timers) clearTimeout(timer);
        this._timers.clear();
        const pc = this._peerConnection;
        this._peerConnection = undefined;
        for (const link of this._links) link.close();
        let released: Promise<unknown> | void = undefined;
        try {
            released = this._teardown(error);
        } catch (e) {
            // An injected socket implementation may throw on close: the rest must still be released.
            this._log.warn('teardown failed', { error: e });
        }
        if (pc) closeAfter(pc, released);
        // A player's remote tracks are its own; a publisher's belong to the app.
        if (!this.publishing) this._stream?.getTracks().forEach((track) => track.stop());
        this._log.info('closed', { error });
        this._emitBase('state', 'closed');
        this._emitBase('close', error);
    }

    /**
     * Replaces the sent track of `kind` without renegotiation (`null` sends nothing). Rejects with
     * `INVALID_STATE` when there is no sender of that kind; the session stays open either way.
     */
    async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
        if (kind !== 'audio' && kind !== 'video') throw new RtcError('INVALID_ARGUMENT', `invalid kind '${kind}'`);
        if (track && track.kind !== kind) {
            throw new RtcError('INVALID_ARGUMENT', `a ${track.kind} track cannot replace the ${kind} track`);
        }
        // The receiver's track always has the transceiver's kind, even when nothing is sent.
        const transceiver = this._peerConnection
            ?.getTransceivers()
            .find((t) => t.direction.includes('send') && t.receiver.track.kind === kind);
        if (!transceiver) throw new RtcError('INVALID_STATE', `no ${kind} sender`);
        // No queue of our own: the browser chains replaceTrack on the peer connection's operations chain.
        try {
            await transceiver.sender.replaceTrack(track);
        } catch (cause) {
            throw RtcError.from(cause);
        }
    }

    /**
     * Normalised `getStats()` summary; samples younger than `cacheMs` are reused so that several
     * consumers cost one `getStats()` call.
     */
    async connectionInfos(cacheMs = 1000): Promise<ConnectionInfos> {
        const pc = this._peerConnection;
        if (!pc) throw closedError();
        const t = now();
        if (!this._stats || t - this._stats.at >= cacheMs) {
            // The sample's time is when it was asked for.
            const infos = pc.getStats().then((report) => normalizeStats(report, this._lastSample, t));
            const stats = (this._stats = { at: t, infos });
            // A failed sample is not reused.
            infos.catch(() => {
                if (this._stats === stats) this._stats = undefined;
            });
        }
        return this._stats.infos;
    }

    /**
     * Schedules `fn` after `ms`; every such timer is cleared on close. @internal
     */
    protected _setTimer(fn: () => void, ms: number): Timer {
        const timer = setTimeout(() => {
            this._timers.delete(timer);
            fn();
        }, ms);
        this._timers.add(timer);
        return timer;
    }

    /** Clears a timer from {@link Connector._setTimer}. @internal */
    protected _clearTimer(timer: Timer | undefined): void {
        if (timer === undefined) return;
        clearTimeout(timer);
        this._timers.delete(timer);
    }

    /** Records a step in {@link timings} (the first time only). @internal */
    protected _mark(step: keyof ConnectorTimings): void {
        this.timings[step] ??= Math.round(now() - this._createdAt);
    }

    /**
     * The platform implementation `name` (from the options, else the global, read at call time);
     * throws `NOT_SUPPORTED` when there is none. @internal
     */
    protected _platform<K extends 'fetch' | 'WebSocket' | 'RTCPeerConnection'>(
        name: K,
    ): NonNullable<ConnectorOptions[K]> {
        const impl = this._options[name] ?? (globalThis as ConnectorOptions)[name];
        if (!impl) throw new RtcError('NOT_SUPPORTED', `no ${name} in this environment`);
        return impl;
    }

    /** Closes with a (retryable) `CONNECTION_LOST` error. @internal */
    protected _lost(message: string, cause?: unknown): void {
        this.close(new RtcError('CONNECTION_LOST', message, { cause }));
    }

    /** Runs the session; whatever fails closes it. */
    private async _start(): Promise<void> {
        // Closed right after construction: nothing to start.
        if (this.closed) return;
        try {
            await this._open();
        } catch (error) {
            this.close(RtcError.from(error, 'SIGNALING_FAILED'));
        }
    }

    /** The peer connection with its transceivers: sendonly tracks to publish, or recvonly audio + video. */
    private _createPeerConnection(iceServers: RTCIceServer[] | undefined): RTCPeerConnection {
        const PeerConnection = this._platform('RTCPeerConnection');
        const pc = (this._peerConnection = new PeerConnection({ iceServers, bundlePolicy: 'max-bundle' }));
        pc.onconnectionstatechange = pc.oniceconnectionstatechange = () => this._onConnectionState();
        pc.onicecandidate = (event) => {
            if (!this.closed) this._onIceCandidate(event.candidate);
        };
        const stream = this._stream;
        if (this.publishing && stream) {
            for (const track of stream.getTracks()) {
                const video = track.kind === 'video';
                const transceiver = pc.addTransceiver(track, {
                    direction: 'sendonly',
                    streams: [stream],
                    sendEncodings: video && this._options.simulcast ? SIMULCAST_ENCODINGS : undefined,
                });
                if (video) this._preferVideoCodec(transceiver);
            }
        } else {
            pc.ontrack = (event) => this._onTrack(event);
            pc.addTransceiver('audio', { direction: 'recvonly' });
            pc.addTransceiver('video', { direction: 'recvonly' });
        }
        if (this._options.dataChannels !== false) this._openDataChannels(pc);
        return pc;
    }

    /**
     * Puts the `videoCodec` option's codec first where the browser lets us (`setCodecPreferences`);
     * elsewhere {@link prepareOffer} reorders the offer's payloads, with the same effect.
     */
    private _preferVideoCodec(transceiver: RTCRtpTransceiver): void {
        const codec = this._options.videoCodec;
        if (!codec) return;
        const capabilities = globalThis.RTCRtpSender?.getCapabilities?.('video')?.codecs;
        if (!capabilities || !transceiver.setCodecPreferences) return;
        const wanted = (c: RTCRtpCodec) => c.mimeType.toLowerCase() === `video/${codec.toLowerCase()}`;
        if (!capabilities.some(wanted)) this._log.warn(`${codec} is not supported by this browser`);
        try {
            // A stable sort: the wanted codec first, the others in the browser's order.
            transceiver.setCodecPreferences([...capabilities].sort((a, b) => Number(wanted(b)) - Number(wanted(a))));
        } catch (error) {
            this._log.debug('setCodecPreferences failed', { error });
        }
    }

    /** Creates the offer, edits it (see {@link prepareOffer}) and sets it as the local description. */
    private async _createOffer(pc: RTCPeerConnection): Promise<string> {
        const { sdp = '' } = await pc.createOffer();
        const offer = prepareOffer(sdp, { videoCodec: this._options.videoCodec });
        await pc.setLocalDescription({ type: 'offer', sdp: offer });
        this._mark('offerReady');
        return offer;
    }

    /** {@link Connector._sip}, bounded by `answerTimeoutMs`. */
    private async _exchange(offer: string): Promise<string> {
        const ms = nonNegative(this._options.answerTimeoutMs, 15_000);
        let timer: Timer | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = this._setTimer(() => reject(new RtcError('TIMEOUT', `no answer within ${ms} ms`)), ms);
        });
        try {
            return await Promise.race([this._sip(offer), timeout]);
        } finally {
            this._clearTimer(timer);
        }
    }

    /** Applies the answer; a player learns from it how many tracks to wait for. */
    private async _applyAnswer(pc: RTCPeerConnection, answer: string): Promise<void> {
        let info: AnswerInfo;
        try {
            info = readAnswer(answer);
            await pc.setRemoteDescription({ type: 'answer', sdp: answer });
        } catch (cause) {
            // Not SDP, or SDP the browser refuses: its reason is the cause.
            throw new RtcError('SIGNALING_FAILED', 'invalid SDP answer', { cause });
        }
        for (const codec of info.codecs) this.codecs.add(codec);
        const application = info.media.find((m) => m.kind === 'application');
        if (!application || application.rejected) {
            for (const link of this._links) link.fail('the answer has no data channel');
        }
        const missing = this.publishing ? rejectedTracks(info) : this._missingMedia(info);
        if (missing) throw new RtcError('MEDIA_FAILED', missing);
        if (!this.publishing && !info.incomingTracks) throw new RtcError('MEDIA_FAILED', 'the answer has no media');
        this._expectedTracks = info.incomingTracks;
    }

    /**
     * Why a play answer cannot give the media the session needs (`requiredMedia`, default video):
     * the server sends no m-line of a required kind (rejected, `inactive` or absent), or
     * `undefined` when it sends them all.
     */
    private _missingMedia(info: AnswerInfo): string | undefined {
        const required = this._options.requiredMedia ?? DEFAULT_REQUIRED_MEDIA;
        const missing = required
            .filter((kind) => !info.media.some((m) => m.kind === kind && isIncomingTrack(m)))
            .join(' and ');
        if (!missing) return undefined;
        return (
            `the server sends no ${missing}: its answer rejects the ${missing} m-line (no codec in common ` +
            `with this browser, or a stream without ${missing}; see the requiredMedia option)`
        );
    }

    private _onTrack(event: RTCTrackEvent): void {
        if (this.closed) return;
        // Without a=msid in the answer the track comes without a stream.
        const stream = (this._stream ??= event.streams[0] ?? new MediaStream());
        // A track already in the stream is not added twice (MediaStream.addTrack's own rule).
        stream.addTrack(event.track);
        this._checkOpen();
    }

    /**
     * Opens once the media flows: a publisher when the peer connection is connected, a player
     * when every track the answer announced has arrived (none is counted before the answer).
     */
    private _checkOpen(): void {
        const stream = this._stream;
        if (this._state !== 'connecting' || !stream) return;
        const flowing = this.publishing
            ? this._connected
            : this._expectedTracks !== undefined && stream.getTracks().length >= this._expectedTracks;
        if (!flowing) return;
        this._state = 'open';
        this._mark('open');
        this._emitBase('state', 'open');
        this._emitBase('open', stream);
    }

    /** Both `connectionstatechange` and `iceconnectionstatechange` (alone on old browsers). */
    private _onConnectionState(): void {
        const pc = this._peerConnection;
        if (!pc) return;
        if (isConnected(pc.iceConnectionState)) this._mark('iceConnected');
        const state = mediaState(pc);
        this._connected = isConnected(state);
        if (this._connected) {
            if (this.timings.dtlsConnected === undefined) this._awaitDataChannels();
            this._mark('dtlsConnected');
            this._clearTimer(this._disconnectTimer);
            this._disconnectTimer = undefined;
            this._checkOpen();
        } else if (state === 'disconnected' && this._disconnectTimer === undefined) {
            // A disconnection often heals by itself (ICE consent checks resume), or by an ICE
            // restart where the signaling can do one: give it a moment.
            this._disconnectTimer = this._setTimer(
                () => this._lost('media connection disconnected'),
                nonNegative(this._options.disconnectedGraceMs, 5_000),
            );
            this._restartIce().catch((error: unknown) => this._log.debug('ICE restart failed', { error }));
        } else if (state === 'failed') {
            // 'closed' comes from pc.close() only, which fires no event.
            this._lost('media connection failed');
        }
    }

    /** The data channels open once the media connection is up: those that do not in time are given up. */
    private _awaitDataChannels(): void {
        if (!this._links.length) return;
        this._setTimer(() => {
            for (const link of this._links) {
                if (!link.open)
                    link.fail(`the ${link.label} data channel did not open within ${DATA_CHANNEL_TIMEOUT_MS} ms`);
            }
        }, DATA_CHANNEL_TIMEOUT_MS);
    }

    /** A frame of the timed-data channel: emitted as `data` on a play session; bad frames are logged and dropped. */
    private _onTimedData(text: string): void {
        if (this.publishing || this.closed) return;
        const item = readTimedData(text);
        if (typeof item === 'string') return this._log.debug(`ignored a timed-data frame: ${item}`);
        this._emitBase('data', item.time, item.track, item.data, item.duration);
    }

    /**
     * Emits one of the events every connector has. A subclass's event map extends
     * {@link ConnectorEvents} without changing these events, which TypeScript cannot prove for a
     * generic `M`: the base class emits through its own view of the map.
     */
    private _emitBase<K extends EventName<ConnectorEvents>>(event: K, ...args: ConnectorEvents[K]): void {
        (this as Connector)._emit(event, ...args);
    }
}
