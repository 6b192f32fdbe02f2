import { RtcError } from '../core/RtcError';
import { encodeClientMessage } from './codec';
import type {
    AnswerSdpMessage,
    ClientMessage,
    CustomClientMessage,
    PlayingInfos,
    RTPProps,
    SeekInfos,
    SpeedInfos,
    VideoBitrateInfos,
} from './messages';

/**
 * What each reply message resolves its command's Promise with (replies carry no id: a command
 * waits for the next message of its reply type). @internal
 */
export interface Replies {
    on_answer_sdp: AnswerSdpMessage;
    on_time: PlayingInfos;
    set_speed: SpeedInfos;
    seek: SeekInfos;
    pause: boolean;
    on_video_bitrate: VideoBitrateInfos;
    on_rtp_props: RTPProps;
    on_keyframe_interval: number;
}

/** The message type that replies to a command. @internal */
export type ReplyType = keyof Replies;

/** A command waiting to be written, then (when it has a reply type) waiting for its reply. */
interface Pending {
    readonly text: string;
    /** The client message type (matched against `on_error.command`). */
    readonly request: string;
    /** The message type that replies to it; without one, it settles once written. */
    readonly reply?: ReplyType;
    readonly resolve: (value: unknown) => void;
    readonly reject: (error: RtcError) => void;
    /** Whether the frame has been written (a reply before that is not its reply). */
    sent: boolean;
    timer?: ReturnType<typeof setTimeout>;
}

/** How {@link CommandChannel.command} queues a command. @internal */
export interface CommandOptions {
    /** Ahead of the commands already queued (default: after them). */
    first?: boolean;
    /** How long it waits for its reply, ms (default: the channel's; `Infinity`: for ever). */
    timeoutMs?: number;
}

/** Where a {@link CommandChannel} writes: one text frame per command, called only while open. @internal */
export type WriteText = (text: string) => void;

/**
 * The command/reply queue of MistServer's control protocol, over any text transport: the
 * signaling WebSocket ({@link WSController}) or the `MistControl` data channel of a WHEP session
 * ({@link HTTPConnector}). Commands are written in order once a transport is attached (those
 * issued before wait); each then waits for the next server message of its reply type — replies
 * carry no id — and rejects with `TIMEOUT` after `timeoutMs` (the session stays up). A command
 * without a reply type settles once written. {@link close} rejects whatever waits, and every
 * later command.
 *
 * The owner decodes the server's messages and hands the replies back ({@link reply},
 * {@link refuse}, {@link refuseRequest}).
 *
 * @internal
 */
export class CommandChannel {
    /** The commands waiting to be written, then waiting for their reply, oldest first. */
    private _queue: Pending[] = [];
    private _write: WriteText | undefined;
    /** Why the channel closed: every later command rejects with it. */
    private _closed: RtcError | undefined;

    /** @param timeoutMs - how long a command waits for its reply (`Infinity`: for ever). */
    constructor(private readonly _timeoutMs: number) {}

    /** Whether the channel closed (commands reject). */
    get closed(): boolean {
        return this._closed !== undefined;
    }

    /** Writes through `write` from now on, starting with what waits; `undefined` holds the commands again. */
    attach(write: WriteText | undefined): void {
        this._write = write;
        this._flush();
    }

    /**
     * Queues `message`; resolves with the value of the next `reply` message after it is written
     * (rejects with `TIMEOUT` after `timeoutMs`, by default the channel's), or once written when it
     * has no reply. `first` puts it ahead of the queued commands (an offer, which the others
     * follow). Rejects
     * when the channel is or gets closed. Throws `INVALID_ARGUMENT` synchronously when the
     * message cannot be serialised.
     */
    command(message: ClientMessage | CustomClientMessage): Promise<void>;
    command<R extends ReplyType>(
        message: ClientMessage | CustomClientMessage,
        reply: R,
        options?: CommandOptions,
    ): Promise<Replies[R]>;
    command(
        message: ClientMessage | CustomClientMessage,
        reply?: ReplyType,
        options: CommandOptions = {},
    ): Promise<unknown> {
        const text = encodeClientMessage(message);
        return new Promise((resolve, reject) => {
            if (this._closed) return reject(this._closed);
            const entry: Pending = { text, request: message.type, reply, resolve, reject, sent: false };
            const ms = options.timeoutMs ?? this._timeoutMs;
            if (reply && ms < Infinity) {
                entry.timer = setTimeout(() => {
                    this._forget(entry);
                    reject(new RtcError('TIMEOUT', `no '${reply}' within ${ms} ms`));
                }, ms);
            }
            if (options.first) this._queue.unshift(entry);
            else this._queue.push(entry);
            this._flush();
        });
    }

    /** Resolves the oldest written command waiting for a `type` reply with `value`; whether there was one. */
    reply<R extends ReplyType>(type: R, value: Replies[R]): boolean {
        return this._settle(
            (e) => e.reply === type,
            (e) => e.resolve(value),
        );
    }

    /** Rejects the oldest written command waiting for a `type` reply with `error`; whether there was one. */
    refuse(type: ReplyType, error: RtcError): boolean {
        return this._settle(
            (e) => e.reply === type,
            (e) => e.reject(error),
        );
    }

    /** Rejects the oldest written command of type `request` (an `on_error` naming it); whether there was one. */
    refuseRequest(request: string, error: RtcError): boolean {
        return this._settle(
            (e) => e.request === request,
            (e) => e.reject(error),
        );
    }

    /** Rejects what waits, and every later command, with `error`; detaches the transport. Idempotent. */
    close(error: RtcError): void {
        if (this._closed) return;
        this._closed = error;
        this._write = undefined;
        const waiting = this._queue;
        this._queue = [];
        for (const entry of waiting) {
            clearTimeout(entry.timer);
            entry.reject(error);
        }
    }

    /** Writes what waits to be written, while a transport is attached. */
    private _flush(): void {
        for (const entry of this._queue) {
            // A write may detach the transport (a throwing socket): the rest waits.
            const write = this._write;
            if (!write) return;
            if (entry.sent) continue;
            entry.sent = true;
            write(entry.text);
            if (!entry.reply) {
                this._forget(entry);
                entry.resolve(undefined);
            }
        }
    }

    /** Settles the oldest written command that `matches` (taken off the queue first); whether there was one. */
    private _settle(matches: (entry: Pending) => boolean, settle: (entry: Pending) => void): boolean {
        const entry = this._queue.find((e) => e.sent && matches(e));
        if (!entry) return false;
        this._forget(entry);
        settle(entry);
        return true;
    }

    /** Removes `entry` from the queue and clears its timer. */
    private _forget(entry: Pending): void {
        // A new array: _flush may be iterating over the old one.
        this._queue = this._queue.filter((e) => e !== entry);
        clearTimeout(entry.timer);
    }
}
