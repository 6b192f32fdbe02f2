import type { EventName } from '../core/Emitter';
import { checkNumber, isTrackIndex, nonNegative } from '../core/numbers';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import { decodeServerMessage, MessageDecodeError } from '../signaling/codec';
import { CommandChannel } from '../signaling/CommandChannel';
import type { ErrorMessage, PlayingInfos, SeekInfos, ServerMessage, SpeedInfos } from '../signaling/messages';
import { closedError, Connector, type ConnectorEvents } from './Connector';

/**
 * Events of a connector whose session takes MistServer's commands ({@link WSController},
 * {@link HTTPConnector}): the connector events plus the play session's reports, from the
 * signaling WebSocket or the `MistControl` data channel.
 */
export interface CommandConnectorEvents extends ConnectorEvents {
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

/** A choice of tracks for {@link CommandConnector.setTracks}; an absent kind is left unchanged. */
export interface TrackSelection {
    /** The audio track to play. */
    audio?: TrackChoice;
    /** The video track to play. */
    video?: TrackChoice;
    /**
     * The data (meta) tracks whose timed data the session's data channel carries: a list of
     * indices (empty = none), `'auto'` (the server's default) or `'none'`.
     */
    meta?: readonly number[] | 'auto' | 'none';
}

/**
 * A connector whose session takes the commands of MistServer's play protocol — `setTracks`,
 * `seek`, `setSpeed`, `hold`/`play` — each returning a Promise of the server's reply, matched by
 * the reply's type (replies carry no id) and rejected with `TIMEOUT` after `commandTimeoutMs`
 * (the session stays open). {@link WSController} sends them on its signaling WebSocket,
 * {@link HTTPConnector} (WHEP) on the `MistControl` data channel where the server opens one;
 * commands issued before the channel is ready wait for it. Where a session has no control
 * channel, commands reject with `NOT_SUPPORTED` ({@link controllable} is `false`).
 *
 * **Extending.** A connector of your own with a control transport extends this class instead of
 * {@link Connector}: it calls `this._control.attach(write)` once its transport is open and
 * hands every frame it receives to `this._receive(frame)`.
 *
 * @example
 * ```ts
 * const player = new HTTPConnector({ endPoint: 'https://media.example.com', streamName: 'live' });
 * player.on('playing', (infos) => console.log('tracks', infos.tracks));
 * await player.once('open');
 * await player.setTracks({ video: 2 }); // over MistControl
 * ```
 */
export abstract class CommandConnector<M extends CommandConnectorEvents = CommandConnectorEvents> extends Connector<M> {
    /** The command/reply queue; the subclass attaches its transport. @internal */
    protected readonly _control: CommandChannel;

    /** @param logName - the name this connector logs under. */
    constructor(params: ConnectParams, stream: MediaStream | undefined, options: ConnectorOptions, logName: string) {
        super(params, stream, options, logName);
        this._control = new CommandChannel(nonNegative(options.commandTimeoutMs, 5_000));
    }

    /**
     * Whether this session takes commands: `false` once it is known to have no control channel
     * (a WHEP answer without a data channel, a closed `MistControl`), then commands reject with
     * `NOT_SUPPORTED`; `false` after close.
     */
    get controllable(): boolean {
        return !this.closed && !this._control.closed;
    }

    /**
     * Selects the played tracks (index, `'auto'` or `'none'` per kind; absent = unchanged), and
     * the data tracks of the data channel (`meta`). Resolves with the next `on_time` the server
     * sends after the command. Throws `INVALID_ARGUMENT` synchronously for anything else.
     *
     * @example
     * ```ts
     * await ctrl.setTracks({ audio: 'auto', video: 2 });
     * ```
     */
    setTracks(tracks: TrackSelection): Promise<PlayingInfos> {
        const { audio, video, meta } = { ...tracks };
        const valid = (choice: TrackChoice | undefined) =>
            choice === undefined || choice === 'auto' || choice === 'none' || isTrackIndex(choice);
        const validMeta = meta === undefined || meta === 'auto' || meta === 'none' || isTrackList(meta);
        if ((audio === undefined && video === undefined && meta === undefined) || !valid(audio) || !valid(video)) {
            throw new RtcError('INVALID_ARGUMENT', "setTracks: audio or video index, 'auto' or 'none'");
        }
        if (!validMeta)
            throw new RtcError('INVALID_ARGUMENT', "setTracks: meta is a list of indices, 'auto' or 'none'");
        return this._control.command(
            { type: 'tracks', audio: audio?.toString(), video: video?.toString(), meta: metaSelector(meta) },
            'on_time',
        );
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
        return this._control.command({ type: 'seek', seek_time: checkNumber('ms', ms) }, 'seek');
    }

    /**
     * Resumes playback after {@link hold} (optionally from `seekMs`). The server does not reply:
     * the Promise resolves once the command is on the wire.
     */
    play(seekMs?: number): Promise<void> {
        const seekTime = seekMs === undefined ? undefined : checkNumber('seekMs', seekMs);
        this._onHold(false);
        return this._control.command({ type: 'play', seek_time: seekTime });
    }

    /**
     * Holds forwarding (`hold`) until {@link play}: the session, its ICE and DTLS stay up, no media
     * flows. Resolves with the paused state the server reports. A held session gets no `on_time`
     * (MistServer sends none while paused).
     */
    hold(): Promise<boolean> {
        this._onHold(true);
        return this._control.command({ type: 'hold' }, 'pause');
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
        return this._control.command(
            { type: 'set_speed', play_rate: rate === 'auto' ? 0 : checkNumber('rate', rate) },
            'set_speed',
        );
    }

    /**
     * Sends any message (fire and forget), queued until the control channel is ready. `params`
     * cannot override `type`. After close, the message is dropped with a warning.
     * Throws `INVALID_ARGUMENT` for an empty type or params that cannot be serialised.
     */
    send(type: string, params?: Record<string, unknown>): void {
        const validParams =
            params === undefined || (typeof params === 'object' && params !== null && !Array.isArray(params));
        if (typeof type !== 'string' || !type || !validParams) {
            throw new RtcError('INVALID_ARGUMENT', 'send: type must be a non-empty string, params an object');
        }
        this._control
            .command({ ...params, type })
            .catch(() => this._log.warn(`'${type}' not sent: the session is closed`));
    }

    /** The session holds (`true`, see {@link hold}) or resumes (`false`). @internal */
    protected _onHold(_held: boolean): void {
        // Nothing to suspend in the base class.
    }

    /** Rejects what waits for a reply. @internal */
    protected override _teardown(error: RtcError | undefined): Promise<unknown> | void {
        this._control.close(error ?? closedError());
    }

    /**
     * One frame from the server's control transport: decoded (undecodable frames and unknown
     * types are logged and dropped), emitted as `message`, then dispatched. @internal
     */
    protected _receive(data: unknown): void {
        // No frame may ever reach the app after close.
        if (this.closed) return;
        const message = decodeServerMessage(data);
        if (message instanceof MessageDecodeError) {
            // Unknown types are expected (servers add messages): not a fault.
            if (message.unknownType) this._log.debug(`ignored ${message.message}`);
            else this._log.warn(`ignored a frame: ${message.message}`);
            return;
        }
        this._emitControl('message', message);
        this._dispatch(message);
    }

    /**
     * Emits the event of a play-session `message` and settles the command it replies to; the
     * subclass dispatches the others (and calls this for the rest). @internal
     */
    protected _dispatch(message: ServerMessage): void {
        const control = this._control;
        switch (message.type) {
            case 'on_time':
                this._emitControl('playing', message.infos);
                control.reply('on_time', message.infos);
                return;
            case 'set_speed':
                if ('error' in message) return this._refused('set_speed', `set_speed refused: ${message.error}`);
                this._emitControl('speed', message.infos);
                control.reply('set_speed', message.infos);
                return;
            case 'seek':
                if ('error' in message) return this._refused('seek', `seek refused: ${message.error}`);
                this._emitControl('seeked', message.infos);
                control.reply('seek', message.infos);
                return;
            case 'pause':
                this._emitControl('paused', message.paused);
                control.reply('pause', message.paused);
                return;
            case 'warning':
                this._log.warn(`server: ${message.text}`);
                return this._emitControl('warning', message.text);
            case 'on_stop':
                return this.close(new RtcError('STREAM_ENDED', 'stream ended'));
            case 'on_error': {
                const unmatched = this._onError(message);
                if (unmatched) this._log.warn(unmatched.message);
                return;
            }
            default:
                this._log.debug(`ignored '${message.type}' on this session`);
        }
    }

    /**
     * An `on_error` naming a written command rejects that command (`REFUSED`, logged); the session
     * stays up. Returns the error when no command matches: it is then logged, or the subclass
     * finds it fatal (and returns `undefined`). @internal
     */
    protected _onError({ message: text, command }: ErrorMessage): RtcError | undefined {
        const error = new RtcError('REFUSED', `${command ?? 'session'} refused: ${text}`);
        if (!command || !this._control.refuseRequest(command, error)) return error;
        this._log.warn(error.message);
        return undefined;
    }

    /** Rejects the command waiting for a `type` reply with `REFUSED` (the server's text), logged. */
    private _refused(type: 'seek' | 'set_speed', message: string): void {
        this._log.warn(message);
        this._control.refuse(type, new RtcError('REFUSED', message));
    }

    /**
     * Emits one of the events every command connector has. A subclass's event map extends
     * {@link CommandConnectorEvents} without changing these events, which TypeScript cannot prove
     * for a generic `M`: the class emits through its own view of the map.
     */
    private _emitControl<K extends EventName<CommandConnectorEvents>>(
        event: K,
        ...args: CommandConnectorEvents[K]
    ): void {
        (this as CommandConnector)._emit(event, ...args);
    }
}

/** Whether `value` is a list of track indices. */
function isTrackList(value: unknown): value is readonly number[] {
    return Array.isArray(value) && value.every(isTrackIndex);
}

/** The wire form of a data-track choice: `'1,2'`, `'none'` for an empty list, `'auto'`. */
function metaSelector(meta: TrackSelection['meta']): string | undefined {
    if (meta === undefined || typeof meta === 'string') return meta;
    return meta.length ? meta.join(',') : 'none';
}
