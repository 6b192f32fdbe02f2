import type { EventHandlers } from '../core/Emitter';
import { buildWebSocketUrl } from '../core/endpoint';
import { checkNumber, nonNegative } from '../core/numbers';
import { redact } from '../core/redact';
import { closeQuietly } from '../core/sockets';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import { encodeClientMessage } from '../signaling/codec';
import type {
    AnswerSdpMessage,
    ErrorMessage,
    MediaReport,
    RTPProps,
    ServerMessage,
    TrackDropInfo,
    VideoBitrateInfos,
} from '../signaling/messages';
import { CommandConnector, type CommandConnectorEvents } from './CommandConnector';

/**
 * Events of a {@link WSController}: the play session's reports ({@link CommandConnectorEvents})
 * plus the publish session's. Subscribe with `ctrl.on('playing', fn)` or set the matching property
 * handler (`ctrl.onPlaying = fn`).
 */
export interface WSControllerEvents extends CommandConnectorEvents {
    /**
     * The publish bitrate the server accepted, and the most it allows, bps (`on_video_bitrate`).
     *
     * @example
     * ```ts
     * publisher.on('videoBitrate', (bitrate, constraint) => console.log(bitrate, 'bps accepted; max', constraint));
     * ```
     */
    videoBitrate: [bitrate: number, constraint: number];
    /**
     * Current RTP retransmission settings (`on_rtp_props`).
     *
     * @example
     * ```ts
     * ctrl.on('rtpProps', ({ nack, drop }) => console.log('nack wait', nack, 'ms, drop after', drop, 'ms'));
     * ```
     */
    rtpProps: [props: RTPProps];
    /**
     * Publish-side reception report (`on_media_receive`; many servers never send it).
     *
     * @example
     * ```ts
     * publisher.on('mediaReport', (report) => console.log(report.stats.lossPerc, '% lost at the server'));
     * ```
     */
    mediaReport: [report: MediaReport];
    /**
     * The server dropped a track (`on_track_drop`).
     *
     * @example
     * ```ts
     * ctrl.on('trackDrop', (info) => console.warn('server dropped', info.mediaType, 'track', info.track));
     * ```
     */
    trackDrop: [info: TrackDropInfo];
    /**
     * The keyframe request interval the server accepted, ms (`on_keyframe_interval`).
     *
     * @example
     * ```ts
     * publisher.on('keyframeInterval', (ms) => console.log('keyframe requested every', ms, 'ms'));
     * ```
     */
    keyframeInterval: [ms: number];
}

/** An `on_error` text meaning the stream does not exist (MistServer and compatible servers). */
const NOT_FOUND = /not (found|exist)|open failed|no such|unknown stream/i;

/** The WebSocket `readyState` of an open socket. */
const OPEN = 1;

/**
 * A session over the MistServer-compatible WebSocket signaling: one socket, one
 * RTCPeerConnection. With `stream` it publishes (sendonly), without it plays (recvonly).
 * Construction starts the session: `_open` opens the socket, then builds the peer connection and
 * the offer while the socket connects; the offer goes out as soon as both are ready.
 *
 * Commands (`setVideoBitrate`, `setTracks` …) return a Promise of the server's reply, matched by
 * the reply's type (replies carry no id) and rejected with `TIMEOUT` after `commandTimeoutMs`
 * (the session stays open). Commands issued before the socket is open are queued behind the offer.
 *
 * A play session is considered lost when the server is silent for `watchdogMs` (default 30 s);
 * a publish session relies on the peer connection only (servers may send nothing while ingesting).
 *
 * @example
 * ```ts
 * const player = new WSController({ endPoint: 'media.example.com', streamName: 'live' });
 * player.onOpen = (stream) => (video.srcObject = stream);
 * player.onPlaying = (infos) => console.log('at', infos.current, 'tracks', infos.tracks);
 * player.on('close', (error) => error && console.warn(error.code, error.message));
 * await player.setTracks({ video: 2 });
 *
 * const publisher = new WSController({ endPoint: 'wss://media.example.com/webrtc/in+abc' }, camera);
 * const { constraint } = await publisher.setVideoBitrate(1_500_000);
 * publisher.close();
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface below only declares the optional on<Event> handler properties that Emitter reads by name
export class WSController extends CommandConnector<WSControllerEvents> {
    /** The signaling URL (with the access token and query parameters). */
    readonly url: string;
    private _socket: WebSocket | undefined;
    /** Whether the offer is queued: commands are written after it, never before. */
    private _offerQueued = false;
    /** Whether the server answered the offer (an `on_error` after that is a failed command, not fatal). */
    private _answered = false;
    private _watchdog: ReturnType<typeof setTimeout> | undefined;
    /** Whether the session is held (see {@link hold}): the server may stay silent. */
    private _held = false;

    /**
     * Starts a session. Throws `INVALID_ARGUMENT` synchronously when `params` cannot name a
     * stream; everything later arrives as the `close` error.
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}) {
        super(params, stream, options, 'ws');
        this.url = buildWebSocketUrl(params, options.tokenParam).url;
    }

    /**
     * Opens the socket, then builds the peer connection and the offer while it connects (see
     * {@link Connector._open}). A socket that cannot be created closes the session before any peer
     * connection is built.
     */
    protected override _open(iceServers?: RTCIceServer[]): Promise<void> {
        this._openSocket();
        return super._open(iceServers);
    }

    /** Queues the offer ahead of any command and resolves with the server's answer. */
    protected async _sip(offer: string): Promise<string> {
        // First in the queue: commands queued before it go out after it. The answer timeout of
        // Connector._open bounds the wait.
        const reply = this._control.command({ type: 'offer_sdp', offer_sdp: offer }, 'on_answer_sdp', {
            first: true,
            timeoutMs: Infinity,
        });
        this._offerQueued = true;
        this._attachSocket();
        const answer: AnswerSdpMessage = await reply;
        if (!answer.result) throw new RtcError('REFUSED', 'session refused');
        return answer.answerSdp;
    }

    /** Rejects what waits, says `stop` to the server when it can, and closes the socket. */
    protected override _teardown(error: RtcError | undefined): void {
        super._teardown(error);
        const socket = this._socket;
        if (!socket) return;
        // After on_stop the server is closing the socket anyway.
        if (socket.readyState === OPEN && error?.code !== 'STREAM_ENDED') {
            socket.send(encodeClientMessage({ type: 'stop' }));
        }
        closeQuietly(socket);
    }

    /**
     * Sets the server's NACK wait and drop timeout (ms); with no argument, queries them.
     * Resolves with the values the server reports (`on_rtp_props`).
     */
    setRTPProps(nack?: number, drop?: number): Promise<RTPProps> {
        return this._control.command(
            {
                type: 'rtp_props',
                nack: nack === undefined ? undefined : checkNumber('nack', nack),
                drop: drop === undefined ? undefined : checkNumber('drop', drop),
            },
            'on_rtp_props',
        );
    }

    /**
     * Asks the server for a publish video bitrate (bits per second). Resolves with the accepted
     * bitrate and the server's constraint (`on_video_bitrate`).
     */
    setVideoBitrate(bps: number): Promise<VideoBitrateInfos> {
        return this._control.command(
            { type: 'video_bitrate', video_bitrate: Math.round(checkNumber('bps', bps, 1)) },
            'on_video_bitrate',
        );
    }

    /**
     * Sets how often the server requests a keyframe from a publisher (ms, at least 500). Resolves
     * with the accepted interval. Throws `INVALID_ARGUMENT` synchronously below 500 ms.
     */
    setKeyframeInterval(ms: number): Promise<number> {
        return this._control.command(
            { type: 'keyframe_interval', keyframe_interval_millis: Math.round(checkNumber('ms', ms, 500)) },
            'on_keyframe_interval',
        );
    }

    /**
     * A held session gets no `on_time` (MistServer sends none while paused): the play watchdog
     * waits for `play`. @internal
     */
    protected override _onHold(held: boolean): void {
        this._held = held;
        if (held) this._clearTimer(this._watchdog);
        else this._armWatchdog();
    }

    /** The socket is the control transport once it is open and the offer is queued. */
    private _attachSocket(): void {
        const socket = this._socket;
        if (!this._offerQueued || socket?.readyState !== OPEN) return;
        // Writes only on an open socket: send() does not throw then.
        this._control.attach((text) => socket.send(text));
    }

    /**
     * Opens the signaling socket. A socket that fails before it opens is an unreachable server
     * (browsers tell a refused connection, a wrong path and a DNS failure apart no further); one
     * that fails after is a lost session.
     */
    private _openSocket(): void {
        const WebSocketImpl = this._platform('WebSocket');
        let socket: WebSocket;
        try {
            socket = this._socket = new WebSocketImpl(this.url);
        } catch (cause) {
            // The browser's own refusal (SyntaxError, SecurityError); its text may quote the URL.
            throw new RtcError('SIGNALING_FAILED', `cannot create a WebSocket to ${this._safeUrl()}`, {
                cause: this._redacted(cause),
            });
        }
        // _teardown clears the handlers, so none runs after close.
        socket.onopen = () => {
            this._mark('socketOpen');
            this._armWatchdog();
            this._attachSocket();
        };
        socket.onmessage = (event: MessageEvent) => this._onMessage(event.data);
        // An error event (no code) comes before the close event: the first one closes the session.
        socket.onerror = socket.onclose = (event: Partial<CloseEvent>) => this._onSocketFailure(event);
    }

    private _onSocketFailure(event: Partial<CloseEvent>): void {
        // The event itself is not kept as the cause: its target is the socket, whose URL holds the token.
        const cause = { type: event.type, code: event.code, reason: event.reason };
        const details = [event.code, event.reason].filter(Boolean).join(', ');
        const said = details ? ` (${details})` : '';
        if (this.timings.socketOpen === undefined) {
            this.close(
                new RtcError(
                    'SERVER_UNREACHABLE',
                    `cannot open the WebSocket to ${this._safeUrl()}${said}: check the server address, port and path`,
                    { cause },
                ),
            );
        } else {
            this._lost(`the WebSocket to ${this._safeUrl()} closed${said}`, cause);
        }
    }

    /** The signaling URL with the access token redacted, for messages and logs. */
    private _safeUrl(): string {
        return redact(this.url, this._params.accessToken);
    }

    /** `cause` with the access token redacted from its message (a browser's error may quote the URL). */
    private _redacted(cause: unknown): unknown {
        const token = this._params.accessToken;
        if (!token || !(cause instanceof Error) || !cause.message.includes(token)) return cause;
        const safe = new Error(redact(cause.message, token));
        safe.name = cause.name;
        return safe;
    }

    /** (Re)starts the play watchdog: a play session whose server stays silent too long is lost. */
    private _armWatchdog(): void {
        const ms = nonNegative(this._options.watchdogMs, 30_000);
        if (this.publishing || this._held || !ms) return;
        this._clearTimer(this._watchdog);
        this._watchdog = this._setTimer(() => this._lost(`server silent for ${ms} ms`), ms);
    }

    private _onMessage(data: unknown): void {
        // No frame may ever reach the app after close.
        if (this.closed) return;
        // Any frame proves the server is alive, even one we cannot decode.
        this._armWatchdog();
        this._receive(data);
    }

    /** Emits the event of `message` and settles the command it replies to. @internal */
    protected override _dispatch(message: ServerMessage): void {
        const control = this._control;
        switch (message.type) {
            case 'on_answer_sdp':
                this._answered = true;
                control.reply('on_answer_sdp', message);
                return;
            case 'on_video_bitrate': {
                const { videoBitrate, constraint } = message;
                this._emit('videoBitrate', videoBitrate, constraint);
                control.reply('on_video_bitrate', { videoBitrate, constraint });
                return;
            }
            case 'on_rtp_props': {
                const props = { nack: message.nack, drop: message.drop };
                this._emit('rtpProps', props);
                control.reply('on_rtp_props', props);
                return;
            }
            case 'on_keyframe_interval':
                this._emit('keyframeInterval', message.interval);
                control.reply('on_keyframe_interval', message.interval);
                return;
            case 'on_media_receive':
                return this._emit('mediaReport', message.report);
            case 'on_track_drop':
                return this._emit('trackDrop', { track: message.track, mediaType: message.mediaType });
            default:
                return super._dispatch(message);
        }
    }

    /**
     * A refused command rejects that command only, even before the answer (commands may precede
     * it); otherwise an `on_error` before the answer refuses the session. @internal
     */
    protected override _onError(message: ErrorMessage): RtcError | undefined {
        // An error about the offer is the session's refusal, not a failed command.
        const aboutOffer = message.command === 'offer_sdp';
        const error = aboutOffer
            ? new RtcError('REFUSED', `offer_sdp refused: ${message.message}`)
            : super._onError(message);
        if (!error || this._answered) return error;
        this.close(NOT_FOUND.test(message.message) ? new RtcError('STREAM_NOT_FOUND', error.message) : error);
        return undefined;
    }
}

/**
 * Property handlers of {@link WSControllerEvents}: `ctrl.onPlaying = fn`, `ctrl.onRTPProps = fn` …
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- declaration merging: adds the typed on<Event> properties that Emitter reads by name
export interface WSController extends EventHandlers<WSControllerEvents> {}
