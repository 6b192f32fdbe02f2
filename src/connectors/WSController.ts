import type { EventHandlers } from '../core/Emitter';
import { buildWebSocketUrl } from '../core/endpoint';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions, WebSocketConstructor } from '../core/types';
import { decodeServerMessage, encodeClientMessage, isUnknownTypeReason } from '../signaling/codec';
import type {
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

type Timer = ReturnType<typeof setTimeout>;

/** A frame to send once the offer is on the wire, and what waits on it. */
interface Outgoing {
    text: string;
    /** The client message type (matched against `on_error.command`). */
    request: string;
    /** The message type that replies to it; without one, `resolve` runs once the frame is written. */
    reply?: ServerMessageType;
    resolve(value: unknown): void;
    reject(error: RtcError): void;
    /** Whether the frame has been written (replies before that are not its reply). */
    sent?: boolean;
    timer?: Timer;
}

const NOT_FOUND = /not found|stream open failed|no such stream|unknown stream|does not exist/i;

/**
 * Server reports: the event each one fires and the message field it carries (none: the whole
 * message without its type). A command waiting for that message type resolves with the same value.
 */
const REPORTS: Partial<Record<ServerMessageType, [event: keyof WSControllerEvents & string, field?: string]>> = {
    on_time: ['playing', 'infos'],
    set_speed: ['speed', 'infos'],
    seek: ['seeked', 'infos'],
    pause: ['paused', 'paused'],
    on_video_bitrate: ['videoBitrate'],
    on_rtp_props: ['rtpProps'],
    on_keyframe_interval: ['keyframeInterval', 'interval'],
    on_media_receive: ['mediaReport', 'report'],
    on_track_drop: ['trackDrop'],
};

function invalid(message: string): RtcError {
    return new RtcError('INVALID_ARGUMENT', message);
}

function wireTrack(kind: string, track: TrackChoice | undefined): string | undefined {
    if (track === undefined || track === 'auto' || track === 'none') return track;
    if (Number.isInteger(track) && track >= 0) return String(track);
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
    /** What `_sip` waits for: the socket to open, then the answer. */
    private _waiter: { resolve(sdp: string): void; reject(error: RtcError): void } | undefined;
    private _answered = false;
    /** Set once the offer is on the wire: commands go out after it, never before. */
    private _offerSent = false;
    /** Frames waiting for the offer, then commands waiting for their reply. */
    private _outgoing: Outgoing[] = [];
    private _watchdog: Timer | undefined;
    private _ended = false;

    /**
     * Starts a session. Throws `INVALID_ARGUMENT` synchronously when `params` cannot name a
     * stream; everything later arrives as the `close` error.
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}) {
        super(params, stream, options, 'ws');
        const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
        let socket: WebSocket | undefined;
        try {
            if (!WS) throw new RtcError('NOT_SUPPORTED', 'WebSocket is not available on this platform');
            socket = this._socket = new WS(buildWebSocketUrl(params).url);
        } catch (cause) {
            this._socketFailure =
                cause instanceof RtcError
                    ? cause
                    : new RtcError('SIGNALING_FAILED', 'the signaling socket could not be created', { cause });
        }
        if (socket) {
            const live = () => socket === this._socket && !this.closed;
            socket.onopen = () => live() && this._onSocketOpen();
            socket.onmessage = (event: MessageEvent) => live() && this._onSocketMessage(event.data);
            socket.onerror = (event: Event) => {
                const what = this._socketOpen ? 'the signaling socket failed' : 'the signaling server is unreachable';
                if (live()) this._fail(new RtcError('CONNECTION_LOST', what, { cause: event }));
            };
            socket.onclose = ({ code, reason }: CloseEvent) => {
                const text = `the signaling socket closed (code ${code}${reason ? `, ${reason}` : ''})`;
                if (live()) this._fail(new RtcError('CONNECTION_LOST', text));
            };
        }
        this._start();
    }

    /** @internal */
    protected _resolveStreamName(): string {
        return buildWebSocketUrl(this._params).streamName;
    }

    /** @internal */
    protected async _sip(offer: string): Promise<string> {
        if (!this._socket) throw this._socketFailure;
        const wait = () => new Promise<string>((resolve, reject) => (this._waiter = { resolve, reject }));
        if (!this._socketOpen) await wait();
        const answer = wait();
        this._write(encodeClientMessage({ type: 'offer_sdp', offer_sdp: offer }));
        this._offerSent = true;
        this._flush();
        return answer;
    }

    /** @internal */
    protected _teardown(error: RtcError | undefined): void {
        const reason = error ?? closedError();
        this._waiter?.reject(reason);
        for (const entry of this._outgoing.splice(0)) entry.reject(reason);
        const socket = this._socket;
        if (!socket) return;
        socket.onopen = socket.onmessage = socket.onclose = null;
        // Not null: Node's `ws` emits 'error' when a still-connecting socket is closed, and an
        // EventEmitter 'error' without a listener would throw out of a timer.
        socket.onerror = () => undefined;
        if (socket.readyState === 1 && !this._ended) this._write(encodeClientMessage({ type: 'stop' }));
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
        const interval = Math.round(requireNumber('ms', ms, 500));
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
        return this._command({ type: 'tracks', audio, video }, 'on_time');
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
        const seek = seekMs === undefined ? undefined : requireNumber('seekMs', seekMs, 0);
        return this._command({ type: 'play', seek_time: seek });
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
        const text = encodeClientMessage({ ...params, type });
        if (this.closed) return this._logger.warn(`'${type}' not sent: the session is closed`);
        this._enqueue({ text, request: type, resolve: () => undefined, reject: () => undefined });
    }

    /**
     * Queues `message`; resolves with the value of the next `reply` message after it is written
     * (rejects with `TIMEOUT` after `commandTimeoutMs`), or once written when it has no reply.
     */
    private _command<T>(message: ClientMessage, reply?: ServerMessageType): Promise<T> {
        const text = encodeClientMessage(message);
        return new Promise<T>((resolve, reject) => {
            if (this.closed) return reject(closedError());
            const entry: Outgoing = {
                text,
                request: message.type,
                reply,
                resolve: resolve as (v: unknown) => void,
                reject,
            };
            if (reply) {
                const ms = this._opt('commandTimeoutMs');
                entry.timer = this._setTimer(() => {
                    this._remove(entry);
                    reject(new RtcError('TIMEOUT', `no '${reply}' reply to '${message.type}' within ${ms} ms`));
                }, ms);
            }
            this._enqueue(entry);
        });
    }

    private _enqueue(entry: Outgoing): void {
        this._outgoing.push(entry);
        this._flush();
    }

    private _flush(): void {
        if (!this._socketOpen || !this._offerSent || this.closed) return;
        for (const entry of [...this._outgoing]) {
            if (entry.sent) continue;
            this._write(entry.text);
            entry.sent = true;
            if (!entry.reply) this._settle(entry);
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

    /** Removes `entry` from the queue; returns it (for chaining) when it was there. */
    private _remove(entry: Outgoing | undefined): Outgoing | undefined {
        const index = entry ? this._outgoing.indexOf(entry) : -1;
        if (index < 0) return undefined;
        this._outgoing.splice(index, 1);
        this._clearTimer(entry!.timer);
        return entry;
    }

    /** Resolves (or rejects with `error`) a written entry and forgets it. */
    private _settle(entry: Outgoing | undefined, value?: unknown, error?: RtcError): void {
        if (!this._remove(entry)) return;
        if (error) entry!.reject(error);
        else entry!.resolve(value);
    }

    /** The oldest written entry that waits for `reply` (or was `request`): replies carry no id. */
    private _find(test: (entry: Outgoing) => boolean): Outgoing | undefined {
        return this._outgoing.find((entry) => entry.sent && test(entry));
    }

    private _armWatchdog(): void {
        const ms = this._opt('watchdogMs');
        if (this.publishing || ms === 0) return;
        this._clearTimer(this._watchdog);
        this._watchdog = this._setTimer(() => {
            this._fail(new RtcError('CONNECTION_LOST', `no message from the server for ${ms} ms`));
        }, ms);
    }

    private _onSocketOpen(): void {
        this._socketOpen = true;
        this._mark('socketOpen');
        this._armWatchdog();
        // Queued commands go out in _sip, right after the offer.
        const waiter = this._waiter;
        this._waiter = undefined;
        waiter?.resolve('');
    }

    private _onSocketMessage(data: unknown): void {
        // Any frame proves the server is alive, even one we cannot decode.
        if (this._watchdog !== undefined) this._armWatchdog();
        const decoded = decodeServerMessage(data);
        if (!decoded.ok) {
            const reason = decoded.reason;
            if (isUnknownTypeReason(reason)) this._logger.debug(`ignored: ${reason}`);
            else this._logger.warn(`ignored a bad frame: ${reason}`);
            return;
        }
        const message = decoded.message;
        this._emit('message', message);
        const { type, ...fields } = message as ServerMessage & Record<string, unknown>;
        const report = REPORTS[type];
        if (report) {
            const [event, field] = report;
            const value = field ? fields[field] : fields;
            const args = type === 'on_video_bitrate' ? [fields.videoBitrate, fields.constraint] : [value];
            (this._emit as (event: string, ...args: unknown[]) => void)(event, ...args);
            return this._settle(
                this._find((c) => c.reply === type),
                value,
            );
        }
        if (message.type === 'on_answer_sdp') return this._onAnswer(message);
        if (message.type === 'on_error') return this._onError(message.message, message.command);
        if (message.type === 'warning') {
            this._logger.warn(`server warning: ${message.text}`);
            return this._emit('warning', message.text);
        }
        // on_stop
        this._ended = true;
        this.close(new RtcError('STREAM_ENDED', 'the server ended the stream', { retryable: false }));
    }

    private _onAnswer(message: Extract<ServerMessage, { type: 'on_answer_sdp' }>): void {
        const waiter = this._waiter;
        this._waiter = undefined;
        if (!waiter) {
            this._logger.debug('ignored an unexpected on_answer_sdp');
        } else if (!message.result) {
            this._fail(new RtcError('REFUSED', 'the server refused the session', { retryable: false }));
        } else {
            this._answered = true;
            waiter.resolve(message.answerSdp);
        }
    }

    private _onError(text: string, command: string | undefined): void {
        // A failed command is not fatal, even before the answer (commands may precede it).
        const pending = command ? this._find((c) => c.request === command) : undefined;
        if (this._answered || pending) {
            this._logger.warn(`server error${command ? ` for '${command}'` : ''}: ${text}`);
            const error = new RtcError('REFUSED', `the server refused '${command}': ${text}`, { retryable: false });
            return this._settle(pending, undefined, error);
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
