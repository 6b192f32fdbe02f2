import type { EventHandlers } from '../core/Emitter';
import { buildWebSocketUrl } from '../core/endpoint';
import { checkNumber, isTrackIndex, nonNegative } from '../core/numbers';
import { redact } from '../core/redact';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import { decodeServerMessage, encodeClientMessage, MessageDecodeError } from '../signaling/codec';
import type {
    AnswerSdpMessage,
    ClientMessage,
    ErrorMessage,
    MediaReport,
    PlayingInfos,
    RTPProps,
    SeekInfos,
    ServerMessage,
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

/**
 * What each reply message resolves its command's Promise with (replies carry no id: a command
 * waits for the next message of its reply type).
 */
interface Replies {
    on_answer_sdp: AnswerSdpMessage;
    on_time: PlayingInfos;
    set_speed: SpeedInfos;
    seek: SeekInfos;
    pause: boolean;
    on_video_bitrate: VideoBitrateInfos;
    on_rtp_props: RTPProps;
    on_keyframe_interval: number;
}

/** A frame waiting to be written, then (when it has a reply type) waiting for its reply. */
interface Outgoing {
    readonly text: string;
    /** The client message type (matched against `on_error.command`); none for the offer. */
    readonly request?: string;
    /** The message type that replies to it; without one, it settles once written. */
    readonly reply?: keyof Replies;
    readonly resolve: (value: unknown) => void;
    readonly reject: (error: RtcError) => void;
    /** Whether the frame has been written (a reply before that is not its reply). */
    sent: boolean;
    timer?: ReturnType<typeof setTimeout>;
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
export class WSController extends Connector<WSControllerEvents> {
    /** The signaling URL (with the access token and query parameters). */
    readonly url: string;
    private _socket: WebSocket | undefined;
    /** Whether the offer is in {@link _outgoing}: commands are written after it, never before. */
    private _offerQueued = false;
    /** Whether the server answered the offer (an `on_error` after that is a failed command, not fatal). */
    private _answered = false;
    /** The offer and commands waiting to be written, then waiting for their reply, oldest first. */
    private _outgoing: Outgoing[] = [];
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
    protected _sip(offer: string): Promise<string> {
        return new Promise((resolve, reject) => {
            // First in the queue: commands queued before it go out after it.
            this._outgoing.unshift({
                text: encodeClientMessage({ type: 'offer_sdp', offer_sdp: offer }),
                reply: 'on_answer_sdp',
                resolve: (value) => {
                    const answer = value as AnswerSdpMessage;
                    this._answered = true;
                    if (answer.result) resolve(answer.answerSdp);
                    else reject(new RtcError('REFUSED', 'session refused'));
                },
                reject,
                sent: false,
            });
            this._offerQueued = true;
            this._flush();
        });
    }

    /** Rejects what waits, says `stop` to the server when it can, and closes the socket. */
    protected override _teardown(error: RtcError | undefined): void {
        const waiting = this._outgoing;
        this._outgoing = [];
        for (const entry of waiting) entry.reject(error ?? closedError());
        const socket = this._socket;
        if (!socket) return;
        socket.onopen = socket.onmessage = socket.onclose = null;
        // Not null: Node's `ws` emits 'error' when a still-connecting socket is closed, and an
        // EventEmitter 'error' without a listener would throw out of a timer.
        socket.onerror = () => undefined;
        // After on_stop the server is closing the socket anyway.
        if (socket.readyState === OPEN && error?.code !== 'STREAM_ENDED') {
            socket.send(encodeClientMessage({ type: 'stop' }));
        }
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
        return this._command(
            { type: 'video_bitrate', video_bitrate: Math.round(checkNumber('bps', bps, 1)) },
            'on_video_bitrate',
        );
    }

    /**
     * Sets how often the server requests a keyframe from a publisher (ms, at least 500). Resolves
     * with the accepted interval. Throws `INVALID_ARGUMENT` synchronously below 500 ms.
     */
    setKeyframeInterval(ms: number): Promise<number> {
        return this._command(
            { type: 'keyframe_interval', keyframe_interval_millis: Math.round(checkNumber('ms', ms, 500)) },
            'on_keyframe_interval',
        );
    }

    /**
     * Selects the played tracks (index, `'auto'` or `'none'` per kind; absent = unchanged).
     * Resolves with the next `on_time` the server sends after the command.
     */
    setTracks(tracks: TrackSelection): Promise<PlayingInfos> {
        const { audio, video } = { ...tracks };
        const valid = (choice: TrackChoice | undefined) =>
            choice === undefined || choice === 'auto' || choice === 'none' || isTrackIndex(choice);
        if ((audio === undefined && video === undefined) || !valid(audio) || !valid(video)) {
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
        return this._command({ type: 'seek', seek_time: checkNumber('ms', ms) }, 'seek');
    }

    /**
     * Resumes playback after {@link hold} (optionally from `seekMs`). The server does not reply:
     * the Promise resolves once the command is on the wire.
     */
    play(seekMs?: number): Promise<void> {
        this._held = false;
        this._armWatchdog();
        return this._command({
            type: 'play',
            seek_time: seekMs === undefined ? undefined : checkNumber('seekMs', seekMs),
        });
    }

    /**
     * Holds forwarding (`hold`) until {@link play}: the session, its ICE and DTLS stay up, no media
     * flows. Resolves with the paused state the server reports. A held session gets no `on_time`
     * (MistServer sends none while paused), so the play watchdog waits for `play`.
     */
    hold(): Promise<boolean> {
        this._held = true;
        this._clearTimer(this._watchdog);
        return this._command({ type: 'hold' }, 'pause');
    }

    /**
     * Pauses forwarding: the same as {@link hold}. (`hold` is sent, not `pause`, which toggles on
     * MistServer: two calls would resume.)
     */
    pause(): Promise<boolean> {
        return this.hold();
    }

    /**
     * Sets the playback rate (`'auto'` or 0 = the server's automatic rate). Resolves with the
     * server's `set_speed` report.
     */
    setSpeed(rate: number | 'auto'): Promise<SpeedInfos> {
        return this._command(
            { type: 'set_speed', play_rate: rate === 'auto' ? 0 : checkNumber('rate', rate) },
            'set_speed',
        );
    }

    /**
     * Sends any message (fire and forget), queued until the socket is open. `params` cannot
     * override `type`. After close, the message is dropped with a warning.
     * Throws `INVALID_ARGUMENT` for an empty type or params that cannot be serialised.
     */
    send(type: string, params?: Record<string, unknown>): void {
        const validParams =
            params === undefined || (typeof params === 'object' && params !== null && !Array.isArray(params));
        if (typeof type !== 'string' || !type || !validParams) {
            throw new RtcError('INVALID_ARGUMENT', 'send: type must be a non-empty string, params an object');
        }
        this._command({ ...params, type }).catch(() => this._log.warn(`'${type}' not sent: the session is closed`));
    }

    /**
     * Queues `message`; resolves with the value of the next `reply` message after it is written
     * (rejects with `TIMEOUT` after `commandTimeoutMs`), or once written when it has no reply.
     * Rejects when the session is or gets closed.
     */
    private _command(message: ClientMessage | { type: string }): Promise<void>;
    private _command<R extends keyof Replies>(message: ClientMessage, reply: R): Promise<Replies[R]>;
    private _command(message: ClientMessage | { type: string }, reply?: keyof Replies): Promise<unknown> {
        const text = encodeClientMessage(message);
        return new Promise((resolve, reject) => {
            if (this.closed) return reject(closedError());
            const entry: Outgoing = { text, request: message.type, reply, resolve, reject, sent: false };
            if (reply) {
                const ms = nonNegative(this._options.commandTimeoutMs, 5_000);
                entry.timer = this._setTimer(() => {
                    this._forget(entry);
                    reject(new RtcError('TIMEOUT', `no '${reply}' within ${ms} ms`));
                }, ms);
            }
            this._outgoing.push(entry);
            this._flush();
        });
    }

    /** Writes what waits to be written, once the socket is open and the offer queued. */
    private _flush(): void {
        const socket = this._socket;
        if (!this._offerQueued || socket?.readyState !== OPEN) return;
        for (const entry of this._outgoing) {
            if (entry.sent) continue;
            entry.sent = true;
            // Sends only on an open socket: send() does not throw then.
            socket.send(entry.text);
            if (!entry.reply) {
                this._forget(entry);
                entry.resolve(undefined);
            }
        }
    }

    /** Removes `entry` from the queue and clears its timer. */
    private _forget(entry: Outgoing): void {
        // A new array: _flush may be iterating over the old one.
        this._outgoing = this._outgoing.filter((e) => e !== entry);
        this._clearTimer(entry.timer);
    }

    /** Resolves the oldest written command waiting for a `type` reply with `value`. */
    private _reply<R extends keyof Replies>(type: R, value: Replies[R]): void {
        const entry = this._outgoing.find((e) => e.sent && e.reply === type);
        if (!entry) return;
        this._forget(entry);
        entry.resolve(value);
    }

    /** Rejects the oldest written command waiting for a `type` reply with `REFUSED` (the server's text). */
    private _replyError(type: keyof Replies, message: string): void {
        const entry = this._outgoing.find((e) => e.sent && e.reply === type);
        this._log.warn(message);
        if (!entry) return;
        this._forget(entry);
        entry.reject(new RtcError('REFUSED', message));
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
            this._flush();
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
        const message = decodeServerMessage(data);
        if (message instanceof MessageDecodeError) {
            // Unknown types are expected (servers add messages): not a fault.
            if (message.unknownType) this._log.debug(`ignored ${message.message}`);
            else this._log.warn(`ignored a frame: ${message.message}`);
            return;
        }
        this._emit('message', message);
        this._dispatch(message);
    }

    /** Emits the event of `message` and settles the command it replies to. */
    private _dispatch(message: ServerMessage): void {
        switch (message.type) {
            case 'on_answer_sdp':
                return this._reply('on_answer_sdp', message);
            case 'on_time':
                this._emit('playing', message.infos);
                return this._reply('on_time', message.infos);
            case 'set_speed':
                if ('error' in message) return this._replyError('set_speed', `set_speed refused: ${message.error}`);
                this._emit('speed', message.infos);
                return this._reply('set_speed', message.infos);
            case 'seek':
                if ('error' in message) return this._replyError('seek', `seek refused: ${message.error}`);
                this._emit('seeked', message.infos);
                return this._reply('seek', message.infos);
            case 'pause':
                this._emit('paused', message.paused);
                return this._reply('pause', message.paused);
            case 'on_video_bitrate': {
                const { videoBitrate, constraint } = message;
                this._emit('videoBitrate', videoBitrate, constraint);
                return this._reply('on_video_bitrate', { videoBitrate, constraint });
            }
            case 'on_rtp_props': {
                const props = { nack: message.nack, drop: message.drop };
                this._emit('rtpProps', props);
                return this._reply('on_rtp_props', props);
            }
            case 'on_keyframe_interval':
                this._emit('keyframeInterval', message.interval);
                return this._reply('on_keyframe_interval', message.interval);
            case 'on_media_receive':
                return this._emit('mediaReport', message.report);
            case 'on_track_drop':
                return this._emit('trackDrop', { track: message.track, mediaType: message.mediaType });
            case 'warning':
                this._log.warn(`server: ${message.text}`);
                return this._emit('warning', message.text);
            case 'on_stop':
                return this.close(new RtcError('STREAM_ENDED', 'stream ended'));
            case 'on_error':
                return this._onError(message);
        }
    }

    /**
     * A refused command rejects that command only, even before the answer (commands may precede
     * it); otherwise an `on_error` before the answer refuses the session.
     */
    private _onError({ message: text, command }: ErrorMessage): void {
        const error = new RtcError('REFUSED', `${command ?? 'session'} refused: ${text}`);
        const failed = command ? this._outgoing.find((e) => e.sent && e.request === command) : undefined;
        if (failed) {
            this._forget(failed);
            failed.reject(error);
            return this._log.warn(error.message);
        }
        if (this._answered) return this._log.warn(error.message);
        this.close(NOT_FOUND.test(text) ? new RtcError('STREAM_NOT_FOUND', error.message) : error);
    }
}

/**
 * Property handlers of {@link WSControllerEvents}: `ctrl.onPlaying = fn`, `ctrl.onRTPProps = fn` …
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- declaration merging: adds the typed on<Event> properties that Emitter reads by name
export interface WSController extends EventHandlers<WSControllerEvents> {}
