import { RtcError } from '../core/RtcError';
import { withoutUndefined } from '../core/objects';
import { FieldError, Fields } from './fields';
import type { ClientMessage, CustomClientMessage, ServerMessage, ServerMessageType } from './messages';

/** Longest text frame accepted from a server, in UTF-16 code units (1 MiB). */
export const MAX_FRAME_LENGTH = 2 ** 20;

/**
 * Why a server frame was not decoded into a {@link ServerMessage}. The WebSocket connector logs
 * it and ignores the frame: at debug level for an unknown type (servers add messages over time),
 * as a warning otherwise.
 */
export class MessageDecodeError extends Error {
    /**
     * @param message - what is wrong with the frame.
     * @param unknownType - whether the frame is well formed but of a type this SDK does not know.
     */
    constructor(
        message: string,
        readonly unknownType = false,
    ) {
        super(message);
        this.name = 'MessageDecodeError';
    }
}

/** The decoded message of type `T`. */
type MessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

/**
 * One decoder per server message type, checked against the {@link ServerMessage} union at compile
 * time: a message type without a decoder, or a decoder that builds the wrong shape, does not
 * compile. Each throws a {@link FieldError} for a required field that is missing or wrong-typed.
 */
const DECODERS: { [T in ServerMessageType]: (fields: Fields) => MessageOf<T> } = {
    on_answer_sdp: (f) =>
        // An accepted answer must carry its SDP; a refusal may carry one, which is ignored.
        f.boolean('result')
            ? { type: 'on_answer_sdp', result: true, answerSdp: f.string('answer_sdp') }
            : withoutUndefined({ type: 'on_answer_sdp', result: false, answerSdp: f.optionalString('answer_sdp') }),
    on_error: (f) =>
        withoutUndefined({ type: 'on_error', message: f.string('message'), command: f.optionalString('command') }),
    on_time: (f) => ({
        type: 'on_time',
        infos: withoutUndefined({
            begin: f.number('begin'),
            current: f.number('current'),
            end: f.number('end'),
            tracks: f.numbers('tracks'),
            jitter: f.optionalNumber('jitter'),
            playRate: f.optionalPlayRate('play_rate_curr'),
            unixOffset: f.optionalNumber('unixOffset'),
            next: f.optionalNumber('next'),
        }),
    }),
    // A refused `seek` or `set_speed` reply carries an `error` text instead of its data.
    set_speed: (f) => {
        const error = f.optionalString('error');
        if (error !== undefined) return { type: 'set_speed', error };
        return {
            type: 'set_speed',
            infos: withoutUndefined({
                playRate: f.playRate('play_rate_curr'),
                playRatePrev: f.optionalPlayRate('play_rate_prev'),
                livePoint: f.optionalBoolean('live_point'),
            }),
        };
    },
    seek: (f) => {
        const error = f.optionalString('error');
        if (error !== undefined) return { type: 'seek', error };
        return {
            type: 'seek',
            infos: withoutUndefined({
                livePoint: f.optionalBoolean('live_point'),
                playRate: f.optionalPlayRate('play_rate_curr'),
            }),
        };
    },
    pause: (f) => ({ type: 'pause', paused: f.boolean('paused') }),
    on_video_bitrate: (f) => ({
        type: 'on_video_bitrate',
        videoBitrate: f.number('video_bitrate'),
        constraint: f.number('video_bitrate_constraint'),
    }),
    on_rtp_props: (f) => ({ type: 'on_rtp_props', nack: f.number('nack'), drop: f.number('drop') }),
    on_keyframe_interval: (f) => ({ type: 'on_keyframe_interval', interval: f.number('result') }),
    on_media_receive: (f) => {
        // The stats are informative: a missing or malformed stats object reads as `{}`.
        const stats = f.object('stats');
        return {
            type: 'on_media_receive',
            report: {
                millis: f.number('millis'),
                tracks: f.strings('tracks'),
                stats: withoutUndefined({
                    jitterMs: stats.optionalNumber('jitter_ms'),
                    lossNum: stats.optionalNumber('loss_num'),
                    lossPerc: stats.optionalNumber('loss_perc'),
                    nackNum: stats.optionalNumber('nack_num'),
                }),
            },
        };
    },
    on_track_drop: (f) => ({ type: 'on_track_drop', track: f.number('track'), mediaType: f.string('mediaType') }),
    on_stop: (f) => ({
        type: 'on_stop',
        infos: withoutUndefined({
            begin: f.optionalNumber('begin'),
            current: f.optionalNumber('current'),
            end: f.optionalNumber('end'),
        }),
    }),
    warning: (f) => ({ type: 'warning', text: f.string('warning') }),
};

/** Whether `type` is a message type with a decoder (own keys only: `toString` is none). */
function isKnownType(type: string): type is ServerMessageType {
    return Object.prototype.hasOwnProperty.call(DECODERS, type);
}

/**
 * The decoder of `type`. Indexing the table with a union of types gives an intersection of
 * functions; this generic signature keeps the link between a type and its message.
 */
function decoderOf<T extends ServerMessageType>(type: T): (fields: Fields) => MessageOf<T> {
    return DECODERS[type];
}

/**
 * Validates one WebSocket frame from the server and decodes it into a {@link ServerMessage}, or
 * returns a {@link MessageDecodeError} saying why it was rejected. Never throws: binary frames,
 * frames over {@link MAX_FRAME_LENGTH}, malformed JSON, non-objects, unknown types and missing or
 * wrong-typed required fields are rejected.
 *
 * Fields nested under `data` and fields at the top level are both accepted (servers differ; `data`
 * wins); numeric strings are coerced to numbers; optional fields of the wrong type are dropped, and
 * absent optional fields stay absent.
 *
 * @example
 * ```ts
 * const message = decodeServerMessage(event.data);
 * if (message instanceof MessageDecodeError) console.warn('ignored:', message.message);
 * else if (message.type === 'on_time') console.log(message.infos.current);
 * ```
 */
export function decodeServerMessage(data: unknown): ServerMessage | MessageDecodeError {
    // The length is checked before parsing so that a huge frame costs nothing.
    if (typeof data !== 'string') return new MessageDecodeError('binary frame');
    if (data.length > MAX_FRAME_LENGTH) return new MessageDecodeError('frame too large');
    let frame: unknown;
    try {
        frame = JSON.parse(data);
    } catch {
        return new MessageDecodeError('malformed JSON');
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return new MessageDecodeError('no type');
    const fields: Record<string, unknown> = { ...frame };
    const type = fields.type;
    if (typeof type !== 'string' || !type) return new MessageDecodeError('no type');
    if (!isKnownType(type)) return new MessageDecodeError(`unknown type '${type}'`, true);
    try {
        return decoderOf(type)(Fields.of(fields));
    } catch (error) {
        if (error instanceof FieldError) return new MessageDecodeError(`${type}: ${error.message}`);
        throw error;
    }
}

/**
 * Encodes a client message as one JSON text frame. Throws `INVALID_ARGUMENT` when the message
 * cannot be serialised (cycles, bigint). The caller guarantees a non-empty string `type`.
 *
 * @example
 * ```ts
 * socket.send(encodeClientMessage({ type: 'video_bitrate', video_bitrate: 800_000 }));
 * ```
 */
export function encodeClientMessage(message: ClientMessage | CustomClientMessage): string {
    try {
        return JSON.stringify(message);
    } catch (cause) {
        throw new RtcError('INVALID_ARGUMENT', `cannot serialise '${message.type}' to JSON`, { cause });
    }
}
