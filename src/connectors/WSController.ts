import type { EventHandlers } from '../core/Emitter';
import { buildWebSocketUrl } from '../core/endpoint';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions, WebSocketConstructor } from '../core/types';
import { decodeServerMessage, encodeClientMessage, isUnknownTypeReason } from '../signaling/codec';
import type {
    ClientMessage,
    CustomClientMessage,
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
import { Connector, type ConnectorEvents } from './Connector';

/** Events of a {@link WSController}: the connector events plus the server's reports. */
export interface WSControllerEvents extends ConnectorEvents {
    /** Playback position, about once per second (`on_time`, play sessions). */
    playing: [infos: PlayingInfos];
    /** The publish bitrate the server accepted, and the most it allows (`on_video_bitrate`). */
    videoBitrate: [bitrate: number, constraint: number];
    /** Current RTP retransmission settings (`on_rtp_props`). */
    rtpProps: [props: RTPProps];
    /** Publish-side reception report (`on_media_receive`; many servers never send it). */
    mediaReport: [report: MediaReport];
    /** The server dropped a track (`on_track_drop`). */
    trackDrop: [info: TrackDropInfo];
    /** The keyframe request interval the server accepted, ms (`on_keyframe_interval`). */
    keyframeInterval: [ms: number];
    /** The playback rate changed (`set_speed`). */
    speed: [infos: SpeedInfos];
    /** A seek completed (`seek`). */
    seeked: [infos: SeekInfos];
    /** The paused state (`pause`). */
    paused: [paused: boolean];
    /** The server ignored a command (`warning`). */
    warning: [text: string];
    /** Every decoded server message, before its specific event. */
    message: [message: ServerMessage];
}

/** A track choice: an index, `'auto'` (the server picks) or `'none'` (no track of that kind). */
export type TrackChoice = number | 'auto' | 'none';

/** A choice of tracks for {@link WSController.setTracks}; an absent kind is left unchanged. */
export interface TrackSelection {
    audio?: TrackChoice;
    video?: TrackChoice;
}

type Timer = ReturnType<typeof setTimeout>;

/** The message type that replies to each command, and what the command resolves with. */
interface ReplyValues {
    on_rtp_props: RTPProps;
    on_video_bitrate: VideoBitrateInfos;
    on_keyframe_interval: number;
    on_time: PlayingInfos;
    seek: SeekInfos;
    set_speed: SpeedInfos;
    pause: boolean;
}
type ReplyType = keyof ReplyValues & ServerMessageType;

interface PendingCommand {
    /** The client message type (matched against `on_error.command`). */
    request: string;
    reply: ReplyType;
    resolve(value: unknown): void;
    reject(error: RtcError): void;
    timer: Timer;
    /** Whether the command has been written to the socket (replies before that are not ours). */
    sent: boolean;
}

/** A frame waiting for the offer to be on the wire. */
interface OutboxEntry {
    text: string;
    /** The command awaiting a reply to this frame (rejected on close through the pending list). */
    pending?: PendingCommand;
    /** Resolves a reply-less command once written. */
    onSent?: () => void;
    /** Rejects a reply-less command dropped by close. */
    onDropped?: (error: RtcError) => void;
}

interface Waiter {
    resolve(): void;
    reject(error: RtcError): void;
}

const WS_OPEN = 1;
const MIN_KEYFRAME_INTERVAL_MS = 500;
const NOT_FOUND = /not found|stream open failed|no such stream|unknown stream|does not exist/i;

function invalid(message: string): RtcError {
    return new RtcError('INVALID_ARGUMENT', message);
}

function wireTrack(kind: string, track: TrackChoice | undefined): string | undefined {
    if (track === undefined) return undefined;
    if (track === 'auto' || track === 'none') return track;
    if (typeof track === 'number' && Number.isInteger(track) && track >= 0) return String(track);
    throw invalid(`${kind} track must be a track index, 'auto' or 'none'`);
}

function requireNumber(name: string, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
        throw invalid(`${name} must be a finite number ≥ ${min}`);
    }
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
    private readonly _socket: WebSocket | undefined;
    private _socketFailure: RtcError | undefined;
    private _socketOpen = false;
    private _openWaiters: Waiter[] = [];
    private _answer: { resolve(sdp: string): void; reject(error: RtcError): void } | undefined;
    private _answered = false;
    /** Set once the offer is on the wire: commands go out after it, never before. */
    private _offerSent = false;
    private _outbox: OutboxEntry[] = [];
    private _pending: PendingCommand[] = [];
    private _watchdog: Timer | undefined;
    private _ended = false;

    /**
     * Starts a session. Throws `INVALID_ARGUMENT` synchronously when `params` cannot name a
     * stream; everything later arrives as the `close` error.
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}) {
        super(params, stream, options, 'ws');
        const { url } = buildWebSocketUrl(params);
        const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
        let socket: WebSocket | undefined;
        if (!WS) {
            this._socketFailure = new RtcError('NOT_SUPPORTED', 'WebSocket is not available on this platform');
        } else {
            try {
                socket = new WS(url);
            } catch (cause) {
                this._socketFailure = new RtcError('SIGNALING_FAILED', 'the signaling socket could not be created', {
                    cause,
                });
            }
        }
        this._socket = socket;
        if (socket) {
            socket.onopen = () => this._onSocketOpen(socket);
            socket.onmessage = (event: MessageEvent) => this._onSocketMessage(socket, event.data);
            socket.onerror = (event: Event) => this._onSocketError(socket, event);
            socket.onclose = (event: CloseEvent) => this._onSocketClose(socket, event.code, event.reason);
        }
        this._start();
    }

    /** @internal */
    protected _resolveStreamName(): string {
        return buildWebSocketUrl(this._params).streamName;
    }

    /** @internal */
    protected async _sip(offer: string): Promise<string> {
        if (!this._socket) throw this._socketFailure ?? new RtcError('SIGNALING_FAILED', 'no signaling socket');
        if (!this._socketOpen) {
            await new Promise<void>((resolve, reject) => this._openWaiters.push({ resolve, reject }));
        }
        return new Promise<string>((resolve, reject) => {
            this._answer = { resolve, reject };
            this._write(encodeClientMessage({ type: 'offer_sdp', offer_sdp: offer }));
            this._offerSent = true;
            this._flush();
        });
    }

    /** @internal */
    protected _teardown(error: RtcError | undefined): void {
        this._clearTimer(this._watchdog);
        this._watchdog = undefined;
        const reason = error ?? new RtcError('INVALID_STATE', 'the session is closed');
        for (const waiter of this._openWaiters.splice(0)) waiter.reject(reason);
        this._answer?.reject(reason);
        this._answer = undefined;
        for (const entry of this._outbox.splice(0)) entry.onDropped?.(reason);
        for (const command of this._pending.splice(0)) {
            this._clearTimer(command.timer);
            command.reject(reason);
        }
        const socket = this._socket;
        if (!socket) return;
        socket.onopen = null;
        socket.onmessage = null;
        socket.onclose = null;
        // Not null: Node's `ws` emits 'error' when a still-connecting socket is closed, and an
        // EventEmitter 'error' without a listener would throw out of a timer.
        socket.onerror = () => undefined;
        if (socket.readyState === WS_OPEN && !this._ended) {
            try {
                socket.send(encodeClientMessage({ type: 'stop' }));
            } catch (e) {
                this._logger.debug('sending stop failed', { error: e });
            }
        }
        try {
            socket.close();
        } catch (e) {
            this._logger.debug('socket.close threw', { error: e });
        }
    }

    /**
     * Sets the server's NACK wait and drop timeout (ms); with no argument, queries them.
     * Resolves with the values the server reports (`on_rtp_props`).
     */
    setRTPProps(nack?: number, drop?: number): Promise<RTPProps> {
        const message: ClientMessage = { type: 'rtp_props' };
        if (nack !== undefined) message.nack = requireNumber('nack', nack, 0);
        if (drop !== undefined) message.drop = requireNumber('drop', drop, 0);
        return this._command(message, 'on_rtp_props');
    }

    /**
     * Asks the server for a publish video bitrate (bits per second). Resolves with the accepted
     * bitrate and the server's constraint (`on_video_bitrate`).
     */
    setVideoBitrate(bps: number): Promise<VideoBitrateInfos> {
        const bitrate = Math.round(requireNumber('bps', bps, 1));
        return this._command({ type: 'video_bitrate', video_bitrate: bitrate }, 'on_video_bitrate');
    }

    /**
     * Sets how often the server requests a keyframe from a publisher (ms, at least 500). Resolves
     * with the accepted interval. Throws `INVALID_ARGUMENT` synchronously below 500 ms.
     */
    setKeyframeInterval(ms: number): Promise<number> {
        const interval = Math.round(requireNumber('ms', ms, MIN_KEYFRAME_INTERVAL_MS));
        return this._command({ type: 'keyframe_interval', keyframe_interval_millis: interval }, 'on_keyframe_interval');
    }

    /**
     * Selects the played tracks (index, `'auto'` or `'none'` per kind; absent = unchanged).
     * Resolves with the next `on_time` the server sends after the command.
     */
    setTracks(tracks: TrackSelection): Promise<PlayingInfos> {
        if (typeof tracks !== 'object' || tracks === null) throw invalid('tracks must be an object');
        const audio = wireTrack('audio', tracks.audio);
        const video = wireTrack('video', tracks.video);
        if (audio === undefined && video === undefined) throw invalid('setTracks needs an audio or a video track');
        const message: ClientMessage = { type: 'tracks' };
        if (audio !== undefined) message.audio = audio;
        if (video !== undefined) message.video = video;
        return this._command(message, 'on_time');
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
        return this._command({ type: 'seek', seek_time: requireNumber('ms', ms, 0) }, 'seek');
    }

    /**
     * Resumes playback (optionally from `seekMs`). The server does not reply: the Promise resolves
     * once the command is on the wire.
     */
    play(seekMs?: number): Promise<void> {
        const message: ClientMessage = { type: 'play' };
        if (seekMs !== undefined) message.seek_time = requireNumber('seekMs', seekMs, 0);
        return new Promise<void>((resolve, reject) => {
            if (this.closed) return reject(new RtcError('INVALID_STATE', 'the session is closed'));
            this._enqueue({ text: encodeClientMessage(message), onSent: resolve, onDropped: reject });
        });
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
        const playRate = rate === 'auto' ? 0 : requireNumber('rate', rate, 0);
        return this._command({ type: 'set_speed', play_rate: playRate }, 'set_speed');
    }

    /**
     * Sends any message (fire and forget), queued until the socket is open. `params` cannot
     * override `type`. After close, the message is dropped with a warning.
     * Throws `INVALID_ARGUMENT` for an empty type or params that cannot be serialised.
     */
    send(type: string, params?: Record<string, unknown>): void {
        if (typeof type !== 'string' || type === '') throw invalid('type must be a non-empty string');
        if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
            throw invalid('params must be an object');
        }
        const message: CustomClientMessage = { ...params, type };
        const text = encodeClientMessage(message);
        if (this.closed) {
            this._logger.warn(`'${type}' not sent: the session is closed`);
            return;
        }
        this._enqueue({ text });
    }

    private _command<K extends ReplyType>(message: ClientMessage, reply: K): Promise<ReplyValues[K]> {
        const text = encodeClientMessage(message);
        return new Promise<ReplyValues[K]>((resolve, reject) => {
            if (this.closed) return reject(new RtcError('INVALID_STATE', 'the session is closed'));
            const ms = this._opt('commandTimeoutMs');
            const command: PendingCommand = {
                request: message.type,
                reply,
                resolve: resolve as (value: unknown) => void,
                reject,
                sent: false,
                timer: this._setTimer(() => {
                    this._removePending(command);
                    this._outbox = this._outbox.filter((entry) => entry.pending !== command);
                    reject(new RtcError('TIMEOUT', `no '${reply}' reply to '${message.type}' within ${ms} ms`));
                }, ms),
            };
            this._pending.push(command);
            this._enqueue({ text, pending: command });
        });
    }

    private _enqueue(entry: OutboxEntry): void {
        this._outbox.push(entry);
        this._flush();
    }

    private _flush(): void {
        if (!this._socketOpen || !this._offerSent || this.closed) return;
        for (const entry of this._outbox.splice(0)) {
            this._write(entry.text);
            if (entry.pending) entry.pending.sent = true;
            entry.onSent?.();
        }
    }

    private _write(text: string): void {
        try {
            this._socket?.send(text);
        } catch (error) {
            // A send on a closing socket throws in some browsers; its close event reports the loss.
            this._logger.warn('socket.send failed', { error });
        }
    }

    private _removePending(command: PendingCommand): void {
        const index = this._pending.indexOf(command);
        if (index >= 0) this._pending.splice(index, 1);
    }

    /** Settles the oldest sent command waiting for `reply` (FIFO: replies carry no id). */
    private _settle<K extends ReplyType>(reply: K, value: ReplyValues[K]): void {
        const command = this._pending.find((c) => c.reply === reply && c.sent);
        if (!command) return;
        this._removePending(command);
        this._clearTimer(command.timer);
        command.resolve(value);
    }

    private _armWatchdog(): void {
        if (this.publishing) return;
        const ms = this._opt('watchdogMs');
        if (ms === 0) return;
        this._clearTimer(this._watchdog);
        this._watchdog = this._setTimer(() => {
            this._watchdog = undefined;
            this._fail(new RtcError('CONNECTION_LOST', `no message from the server for ${ms} ms`));
        }, ms);
    }

    private _onSocketOpen(socket: WebSocket): void {
        if (socket !== this._socket || this.closed) return;
        this._socketOpen = true;
        this._mark('socketOpen');
        this._logger.debug('socket open');
        this._armWatchdog();
        // Queued commands go out in _sip, right after the offer.
        for (const waiter of this._openWaiters.splice(0)) waiter.resolve();
    }

    private _onSocketError(socket: WebSocket, event: Event): void {
        if (socket !== this._socket || this.closed) return;
        const what = this._socketOpen ? 'the signaling socket failed' : 'the signaling server is unreachable';
        this._fail(new RtcError('CONNECTION_LOST', what, { cause: event }));
    }

    private _onSocketClose(socket: WebSocket, code: number, reason: string): void {
        if (socket !== this._socket || this.closed) return;
        const text = reason ? `, ${reason}` : '';
        this._fail(new RtcError('CONNECTION_LOST', `the signaling socket closed (code ${code}${text})`));
    }

    private _onSocketMessage(socket: WebSocket, data: unknown): void {
        if (socket !== this._socket || this.closed) return;
        // Any frame proves the server is alive, even one we cannot decode.
        if (this._watchdog !== undefined) this._armWatchdog();
        const decoded = decodeServerMessage(data);
        if (!decoded.ok) {
            if (isUnknownTypeReason(decoded.reason)) this._logger.debug(`ignored: ${decoded.reason}`);
            else this._logger.warn(`ignored a bad frame: ${decoded.reason}`);
            return;
        }
        const message = decoded.message;
        this._emit('message', message);
        this._dispatch(message);
    }

    private _dispatch(message: ServerMessage): void {
        switch (message.type) {
            case 'on_answer_sdp':
                return this._onAnswer(message);
            case 'on_error':
                return this._onError(message.message, message.command);
            case 'on_time':
                this._emit('playing', message.infos);
                return this._settle('on_time', message.infos);
            case 'set_speed':
                this._emit('speed', message.infos);
                return this._settle('set_speed', message.infos);
            case 'seek':
                this._emit('seeked', message.infos);
                return this._settle('seek', message.infos);
            case 'pause':
                this._emit('paused', message.paused);
                return this._settle('pause', message.paused);
            case 'on_video_bitrate':
                this._emit('videoBitrate', message.videoBitrate, message.constraint);
                return this._settle('on_video_bitrate', {
                    videoBitrate: message.videoBitrate,
                    constraint: message.constraint,
                });
            case 'on_rtp_props':
                this._emit('rtpProps', { nack: message.nack, drop: message.drop });
                return this._settle('on_rtp_props', { nack: message.nack, drop: message.drop });
            case 'on_keyframe_interval':
                this._emit('keyframeInterval', message.interval);
                return this._settle('on_keyframe_interval', message.interval);
            case 'on_media_receive':
                return this._emit('mediaReport', message.report);
            case 'on_track_drop':
                return this._emit('trackDrop', { track: message.track, mediaType: message.mediaType });
            case 'on_stop':
                this._ended = true;
                return this.close(new RtcError('STREAM_ENDED', 'the server ended the stream', { retryable: false }));
            case 'warning':
                this._logger.warn(`server warning: ${message.text}`);
                return this._emit('warning', message.text);
        }
    }

    private _onAnswer(message: Extract<ServerMessage, { type: 'on_answer_sdp' }>): void {
        const answer = this._answer;
        if (!answer) {
            this._logger.debug('ignored an unexpected on_answer_sdp');
            return;
        }
        this._answer = undefined;
        if (!message.result) {
            this._fail(new RtcError('REFUSED', 'the server refused the session', { retryable: false }));
            return;
        }
        this._answered = true;
        answer.resolve(message.answerSdp);
    }

    private _onError(text: string, command: string | undefined): void {
        // A failed command is not fatal, even before the answer (commands may precede it).
        const pending = command ? this._pending.find((c) => c.request === command && c.sent) : undefined;
        if (this._answered || pending) {
            this._logger.warn(`server error${command ? ` for '${command}'` : ''}: ${text}`);
            if (pending) {
                this._removePending(pending);
                this._clearTimer(pending.timer);
                pending.reject(
                    new RtcError('REFUSED', `the server refused '${command}': ${text}`, { retryable: false }),
                );
            }
            return;
        }
        const code = NOT_FOUND.test(text) ? 'STREAM_NOT_FOUND' : 'REFUSED';
        this._fail(new RtcError(code, `the server refused the session: ${text}`, { retryable: false }));
    }
}

/**
 * Property handlers of {@link WSControllerEvents}: `ctrl.onPlaying = fn`, `ctrl.onRTPProps = fn` …
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- declaration merging: adds the typed on<Event> properties that Emitter reads by name
export interface WSController extends EventHandlers<WSControllerEvents> {}
