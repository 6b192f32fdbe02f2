import type { EventHandlers } from '../core/Emitter';
import { buildWebSocketUrl } from '../core/endpoint';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import { decodeServerMessage, encodeClientMessage, SCHEMAS } from '../signaling/codec';
import type {
    AnswerSdpMessage,
    ClientMessage,
    MediaReport,
    PlayingInfos,
    RTPProps,
    SeekInfos,
    ServerMessage,
    ServerMessageType,
    SpeedInfos,
    TrackDropInfo,
    VideoBitrateInfos,
} from '../signaling/messages';
import { closedError, Connector, type ConnectorEvents } from './Connector';

/**
 * Events of a {@link WSController}: the connector events plus the server's reports. Subscribe with
 * `ctrl.on('playing', fn)` or set the matching property handler (`ctrl.onPlaying = fn`).
 */
export interface WSControllerEvents extends ConnectorEvents {
    /**
     * Playback position, about once per second (`on_time`, play sessions).
     *
     * @example
     * ```ts
     * ctrl.on('playing', (infos) => console.log('at', infos.current, 'ms of', infos.end, 'tracks', infos.tracks));
     * ```
     */
    playing: [infos: PlayingInfos];
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
    /**
     * The playback rate changed (`set_speed`).
     *
     * @example
     * ```ts
     * ctrl.on('speed', (infos) => console.log('rate', infos.playRate, 'was', infos.playRatePrev));
     * ```
     */
    speed: [infos: SpeedInfos];
    /**
     * A seek completed (`seek`).
     *
     * @example
     * ```ts
     * ctrl.on('seeked', (infos) => console.log('at the live point:', infos.livePoint));
     * ```
     */
    seeked: [infos: SeekInfos];
    /**
     * The paused state (`pause`).
     *
     * @example
     * ```ts
     * ctrl.on('paused', (paused) => (pauseButton.textContent = paused ? 'Resume' : 'Pause'));
     * ```
     */
    paused: [paused: boolean];
    /**
     * The server ignored a command (`warning`); also logged at level `warn`.
     *
     * @example
     * ```ts
     * ctrl.on('warning', (text) => console.warn('server:', text));
     * ```
     */
    warning: [text: string];
    /**
     * Every decoded server message, before its specific event. Undecodable frames and unknown
     * types are dropped (and logged), never emitted.
     *
     * @example
     * ```ts
     * ctrl.on('message', (message) => {
     *     if (message.type === 'on_time') console.log(message.infos.current);
     * });
     * ```
     */
    message: [message: ServerMessage];
}

/** A track choice: an index, `'auto'` (the server picks) or `'none'` (no track of that kind). */
export type TrackChoice = number | 'auto' | 'none';

/** A choice of tracks for {@link WSController.setTracks}; an absent kind is left unchanged. */
export interface TrackSelection {
    /** The audio track to play. */
    audio?: TrackChoice;
    /** The video track to play. */
    video?: TrackChoice;
}

/** A frame to send once the offer is on the wire, and what waits on it. */
interface Outgoing {
    _text: string;
    /** The client message type (matched against `on_error.command`); none for the offer. */
    _request?: string;
    /** The message type that replies to it; without one, `_resolve` runs once the frame is written. */
    _reply?: ServerMessageType;
    _resolve(value: unknown): void;
    _reject(error: RtcError): void;
    /** Whether the frame has been written (replies before that are not its reply). */
    _sent?: boolean;
    _timer?: ReturnType<typeof setTimeout>;
}

const NOT_FOUND = /not (found|exist)|open failed|no such|unknown stream/i;

/** `value` when it is a finite number ≥ `min`; throws `INVALID_ARGUMENT` otherwise. */
function num(name: string, value: number, min = 0): number {
    if (!Number.isFinite(value) || value < min)
        throw new RtcError('INVALID_ARGUMENT', `${name} must be a number >= ${min}`);
    return value;
}

/**
 * A session over the MistServer-compatible WebSocket signaling: one socket, one
 * RTCPeerConnection. With `stream` it publishes (sendonly), without it plays (recvonly).
 * Construction starts the session: the socket opens while the offer is built; the offer goes out
 * as soon as both are ready.
 *
 * Commands (`setVideoBitrate`, `setTracks` …) return a Promise of the server's reply, matched by
 * the reply's type (replies carry no id) and rejected with `TIMEOUT` after `commandTimeoutMs`
 * (the session stays open). Commands issued before the socket is open are queued.
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
export class WSController extends Connector<WSControllerEvents> {
    // Set by _connect, which runs inside super(): `declare` emits no field that would reset it.
    declare private _socket?: WebSocket;
    private _answered?: boolean;
    /** The offer, then commands, waiting to be written, then waiting for their reply. */
    private _outgoing: Outgoing[] = [];
    private _watchdog: ReturnType<typeof setTimeout> | undefined;

    /**
     * Starts a session. Throws `INVALID_ARGUMENT` synchronously when `params` cannot name a
     * stream; everything later arrives as the `close` error.
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}) {
        super(params, stream, options, 'ws');
    }

    /**
     * Opens the socket; called first by the session start, so that a socket that cannot be
     * created closes the session before any peer connection is built. @internal
     */
    protected override _connect(): void {
        const WS = this._platform('WebSocket');
        let socket: WebSocket;
        try {
            socket = this._socket = new WS(buildWebSocketUrl(this._params).url);
        } catch (cause) {
            // The browser's own refusal (SyntaxError, SecurityError) is a signaling failure.
            throw new RtcError('SIGNALING_FAILED', 'cannot create WebSocket', { cause });
        }
        // _teardown clears the handlers, so none runs after close; onmessage checks anyway: no
        // frame may ever reach the app after close.
        socket.onopen = () => {
            this._mark('socketOpen');
            this._armWatchdog();
            this._flush();
        };
        socket.onmessage = (event: MessageEvent) => this.closed || this._onMessage(event.data);
        // An error event (no code) comes before the close event: the first one closes the session.
        socket.onerror = socket.onclose = (event: Partial<CloseEvent>) =>
            this._lost(
                `${this.timings.socketOpen ? 'socket closed' : 'server unreachable'} ${[event.code, event.reason].filter(Boolean).join(', ')}`,
                event,
            );
    }

    /** @internal */
    protected _resolveStreamName(): string {
        return buildWebSocketUrl(this._params).streamName;
    }

    /** @internal */
    protected _sip(offer: string): Promise<string> {
        return new Promise((resolve, reject) => {
            // First in the queue: commands queued before it go out after it.
            this._outgoing.unshift({
                _text: encodeClientMessage({ type: 'offer_sdp', offer_sdp: offer }),
                _reply: 'on_answer_sdp',
                // A refusal without an SDP reports its only field, `false`, whose `result` is undefined.
                _resolve: (answer: AnswerSdpMessage) => {
                    this._answered = true;
                    if (answer.result) resolve(answer.answerSdp);
                    else reject(new RtcError('REFUSED', 'session refused'));
                },
                _reject: reject,
            });
            this._flush();
        });
    }

    /** @internal */
    protected _teardown(error: RtcError | undefined): void {
        for (const entry of this._outgoing) entry._reject(error ?? closedError());
        const socket = this._socket;
        if (!socket) return;
        socket.onopen = socket.onmessage = socket.onclose = null;
        // Not null: Node's `ws` emits 'error' when a still-connecting socket is closed, and an
        // EventEmitter 'error' without a listener would throw out of a timer.
        socket.onerror = () => undefined;
        // After on_stop the server is closing the socket anyway.
        if (socket.readyState === 1 && error?.code !== 'STREAM_ENDED')
            socket.send(encodeClientMessage({ type: 'stop' }));
        socket.close();
    }

    /**
     * Sets the server's NACK wait and drop timeout (ms); with no argument, queries them.
     * Resolves with the values the server reports (`on_rtp_props`).
     */
    setRTPProps(nack?: number, drop?: number): Promise<RTPProps> {
        return this._command(
            {
                type: 'rtp_props',
                nack: nack === undefined ? nack : num('nack', nack),
                drop: drop === undefined ? drop : num('drop', drop),
            },
            'on_rtp_props',
        );
    }

    /**
     * Asks the server for a publish video bitrate (bits per second). Resolves with the accepted
     * bitrate and the server's constraint (`on_video_bitrate`).
     */
    setVideoBitrate(bps: number): Promise<VideoBitrateInfos> {
        return this._command(
            { type: 'video_bitrate', video_bitrate: Math.round(num('bps', bps, 1)) },
            'on_video_bitrate',
        );
    }

    /**
     * Sets how often the server requests a keyframe from a publisher (ms, at least 500). Resolves
     * with the accepted interval. Throws `INVALID_ARGUMENT` synchronously below 500 ms.
     */
    setKeyframeInterval(ms: number): Promise<number> {
        return this._command(
            { type: 'keyframe_interval', keyframe_interval_millis: Math.round(num('ms', ms, 500)) },
            'on_keyframe_interval',
        );
    }

    /**
     * Selects the played tracks (index, `'auto'` or `'none'` per kind; absent = unchanged).
     * Resolves with the next `on_time` the server sends after the command.
     */
    setTracks(tracks: TrackSelection): Promise<PlayingInfos> {
        const { audio, video } = { ...tracks };
        if (
            (audio ?? video) === undefined ||
            [audio, video].some((t) => t !== undefined && t !== 'auto' && t !== 'none' && t !== t >>> 0)
        ) {
            throw new RtcError('INVALID_ARGUMENT', "setTracks: audio or video index, 'auto' or 'none'");
        }
        return this._command({ type: 'tracks', audio: audio?.toString(), video: video?.toString() }, 'on_time');
    }

    /** Selects the played audio track; shorthand of {@link setTracks}. */
    setAudioTrack(track: TrackChoice): Promise<PlayingInfos> {
        return this.setTracks({ audio: track });
    }

    /** Selects the played video track; shorthand of {@link setTracks}. */
    setVideoTrack(track: TrackChoice): Promise<PlayingInfos> {
        return this.setTracks({ video: track });
    }

    /** Seeks to `ms` within the server's buffer; resolves with the server's `seek` reply. */
    seek(ms: number): Promise<SeekInfos> {
        return this._command({ type: 'seek', seek_time: num('ms', ms) }, 'seek');
    }

    /**
     * Resumes playback (optionally from `seekMs`). The server does not reply: the Promise resolves
     * once the command is on the wire.
     */
    play(seekMs?: number): Promise<void> {
        return this._command({ type: 'play', seek_time: seekMs === undefined ? seekMs : num('seekMs', seekMs) });
    }

    /** Pauses forwarding; resolves with the paused state the server reports. */
    pause(): Promise<boolean> {
        return this._command({ type: 'pause' }, 'pause');
    }

    /**
     * Sets the playback rate (`'auto'` or 0 = the server's automatic rate). Resolves with the
     * server's `set_speed` report.
     */
    setSpeed(rate: number | 'auto'): Promise<SpeedInfos> {
        return this._command({ type: 'set_speed', play_rate: rate === 'auto' ? 0 : num('rate', rate) }, 'set_speed');
    }

    /**
     * Sends any message (fire and forget), queued until the socket is open. `params` cannot
     * override `type`. After close, the message is dropped with a warning.
     * Throws `INVALID_ARGUMENT` for an empty type or params that cannot be serialised.
     */
    send(type: string, params?: Record<string, unknown>): void {
        if (
            !type ||
            typeof type != 'string' ||
            (params !== undefined && (typeof params != 'object' || !params || Array.isArray(params)))
        ) {
            throw new RtcError('INVALID_ARGUMENT', 'send: invalid type or params');
        }
        this._command({ ...params, type } as ClientMessage).catch(() => this._log.warn(`'${type}' not sent: closed`));
    }

    /**
     * Queues `message`; resolves with the value of the next `reply` message after it is written
     * (rejects with `TIMEOUT` after `commandTimeoutMs`), or once written when it has no reply.
     * Rejects when the session is or gets closed.
     */
    private _command<T>(message: ClientMessage, reply?: ServerMessageType): Promise<T> {
        const text = encodeClientMessage(message);
        return new Promise<T>((resolve, reject) => {
            if (this.closed) return reject(closedError());
            const entry: Outgoing = {
                _text: text,
                _request: message.type,
                _reply: reply,
                _resolve: resolve as (v: unknown) => void,
                _reject: reject,
            };
            if (reply) {
                const ms = this._opt(this._options.commandTimeoutMs, 5_000);
                entry._timer = this._setTimer(
                    () => this._settle((c) => c === entry, 0, new RtcError('TIMEOUT', `no '${reply}' within ${ms} ms`)),
                    ms,
                );
            }
            this._outgoing.push(entry);
            this._flush();
        });
    }

    /** Writes what waits to be written, once the socket is open and the offer queued. */
    private _flush(): void {
        // The socket exists: without one the session closed in the constructor.
        const socket = this._socket!;
        // offerReady is marked just before the offer is queued (synchronously): commands go out after it.
        if (this.timings.offerReady === undefined || socket.readyState !== 1) return;
        for (const entry of this._outgoing) {
            if (entry._sent) continue;
            entry._sent = true;
            // Sends only on an open socket: send() does not throw then.
            socket.send(entry._text);
            if (!entry._reply) this._settle((c) => c === entry);
        }
    }

    /** Resolves (or rejects with `error`) the first entry that passes `test`, and forgets it. */
    private _settle(test: (entry: Outgoing) => unknown, value?: unknown, error?: RtcError): Outgoing | undefined {
        const entry = this._outgoing.find(test);
        if (entry) {
            // A new array: _flush may be iterating over the old one.
            this._outgoing = this._outgoing.filter((c) => c !== entry);
            this._clearTimer(entry._timer);
            if (error) entry._reject(error);
            else entry._resolve(value);
        }
        return entry;
    }

    private _armWatchdog(): void {
        const ms = this._opt(this._options.watchdogMs, 30_000);
        if (this.publishing || !ms) return;
        this._clearTimer(this._watchdog);
        this._watchdog = this._setTimer(() => this._lost(`server silent for ${ms} ms`), ms);
    }

    private _onMessage(data: unknown): void {
        // Any frame proves the server is alive, even one we cannot decode.
        this._armWatchdog();
        const message = decodeServerMessage(data);
        if (typeof message == 'string') {
            // Unknown types are expected (servers add messages): not a fault.
            return this._log[/^unknown/.test(message) ? 'debug' : 'warn'](`ignored ${message}`);
        }
        this._emit('message', message);
        const { type, ...fields } = message as ServerMessage & Record<string, unknown>;
        const values = Object.values(fields);
        const value = values.length == 1 ? values[0] : fields;
        // The event of its schema (see SCHEMAS).
        const event = SCHEMAS[type].split('/')[0];
        // videoBitrate(bitrate, constraint): the only event with two arguments.
        if (event) {
            (this._emit as (event: string, ...args: unknown[]) => void)(
                event,
                ...(type == 'on_video_bitrate' ? values : [value]),
            );
        }
        // Replies carry no id: the oldest written command waiting for this type gets it.
        this._settle((c) => c._sent && c._reply === type, value);
        // A warning's only field is its text.
        if (type == 'warning') {
            this._log.warn(`server: ${value}`);
        } else if (type == 'on_stop') {
            this.close(new RtcError('STREAM_ENDED', 'stream ended'));
        } else if (message.type == 'on_error') {
            // A failed command is not fatal, even before the answer (commands may precede it).
            const { message: text, command } = message;
            const error = new RtcError('REFUSED', `${command ?? 'session'} refused: ${text}`);
            if ((command && this._settle((c) => c._sent && c._request === command, 0, error)) || this._answered) {
                this._log.warn(error.message);
            } else {
                this.close(NOT_FOUND.test(text) ? new RtcError('STREAM_NOT_FOUND', error.message) : error);
            }
        }
    }
}

/**
 * Property handlers of {@link WSControllerEvents}: `ctrl.onPlaying = fn`, `ctrl.onRTPProps = fn` …
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- declaration merging: adds the typed on<Event> properties that Emitter reads by name
export interface WSController extends EventHandlers<WSControllerEvents> {}
