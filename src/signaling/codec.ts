import { RtcError } from '../core/RtcError';
import type {
    ClientMessage,
    CustomClientMessage,
    PlayRate,
    PlayingInfos,
    ServerMessage,
    ServerMessageType,
} from './messages';

/** Longest text frame accepted from a server, in UTF-16 code units (1 MiB). */
export const MAX_FRAME_LENGTH = 1024 * 1024;

/** Outcome of {@link decodeServerMessage}: the message, or why the frame was rejected. */
export type DecodeResult = { ok: true; message: ServerMessage } | { ok: false; reason: string };

type Json = Record<string, unknown>;

/** Thrown inside the decoders only; {@link decodeServerMessage} turns it into `ok: false`. */
class Invalid extends Error {}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function isObject(value: unknown): value is Json {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A finite number, or a numeric string (servers send track indices and rates as strings). */
function toNumber(value: unknown): number | undefined {
    if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
    if (typeof value === 'string' && NUMERIC.test(value.trim())) {
        const n = Number(value);
        return Number.isFinite(n) ? n : undefined;
    }
    return undefined;
}

function toBoolean(value: unknown): boolean | undefined {
    if (typeof value === 'boolean') return value;
    if (value === 0 || value === 1) return value === 1;
    return undefined;
}

function toPlayRate(value: unknown): PlayRate | undefined {
    if (value === 'auto' || value === 'fast-forward') return value;
    return toNumber(value);
}

/** Reads fields of one message; required readers throw {@link Invalid}, optional ones drop bad values. */
class Reader {
    constructor(
        private readonly type: string,
        private readonly fields: Json,
    ) {}

    private fail(key: string, expected: string): never {
        const value = this.fields[key];
        const what = value === undefined ? 'missing' : `not ${expected}`;
        throw new Invalid(`${this.type}: '${key}' is ${what}`);
    }

    number(key: string): number {
        return toNumber(this.fields[key]) ?? this.fail(key, 'a number');
    }

    optNumber(key: string): number | undefined {
        return toNumber(this.fields[key]);
    }

    string(key: string): string {
        const value = this.fields[key];
        return typeof value === 'string' ? value : this.fail(key, 'a string');
    }

    optString(key: string): string | undefined {
        const value = this.fields[key];
        return typeof value === 'string' ? value : undefined;
    }

    boolean(key: string): boolean {
        return toBoolean(this.fields[key]) ?? this.fail(key, 'a boolean');
    }

    optBoolean(key: string): boolean | undefined {
        return toBoolean(this.fields[key]);
    }

    playRate(key: string): PlayRate {
        return toPlayRate(this.fields[key]) ?? this.fail(key, 'a play rate');
    }

    optPlayRate(key: string): PlayRate | undefined {
        return toPlayRate(this.fields[key]);
    }

    numbers(key: string): number[] {
        const value = this.fields[key];
        if (!Array.isArray(value)) return this.fail(key, 'an array');
        return value.map((item) => toNumber(item) ?? this.fail(key, 'an array of numbers'));
    }

    strings(key: string): string[] {
        const value = this.fields[key];
        if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
            return this.fail(key, 'an array of strings');
        }
        return value as string[];
    }

    object(key: string): Json | undefined {
        const value = this.fields[key];
        return isObject(value) ? value : undefined;
    }
}

/** Copies the defined values of `fields` (optional fields stay absent rather than `undefined`). */
function defined<T extends object>(fields: T): T {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
    return out as T;
}

function playingInfos(r: Reader): PlayingInfos {
    return {
        begin: r.number('begin'),
        current: r.number('current'),
        end: r.number('end'),
        tracks: r.numbers('tracks'),
        ...defined({
            jitter: r.optNumber('jitter'),
            playRate: r.optPlayRate('play_rate_curr'),
            unixOffset: r.optNumber('unixoffset'),
            next: r.optNumber('next'),
        }),
    };
}

type Decoders = { [K in ServerMessageType]: (r: Reader) => Extract<ServerMessage, { type: K }> };

const DECODERS: Decoders = {
    on_answer_sdp: (r) => {
        if (r.boolean('result')) return { type: 'on_answer_sdp', result: true, answerSdp: r.string('answer_sdp') };
        return { type: 'on_answer_sdp', result: false, ...defined({ answerSdp: r.optString('answer_sdp') }) };
    },
    on_error: (r) => ({
        type: 'on_error',
        message: r.string('message'),
        ...defined({ command: r.optString('command') }),
    }),
    on_time: (r) => ({ type: 'on_time', infos: playingInfos(r) }),
    set_speed: (r) => ({
        type: 'set_speed',
        infos: {
            playRate: r.playRate('play_rate_curr'),
            ...defined({ playRatePrev: r.optPlayRate('play_rate_prev'), livePoint: r.optBoolean('live_point') }),
        },
    }),
    seek: (r) => ({
        type: 'seek',
        infos: defined({ livePoint: r.optBoolean('live_point'), playRate: r.optPlayRate('play_rate_curr') }),
    }),
    pause: (r) => ({ type: 'pause', paused: r.boolean('paused') }),
    on_video_bitrate: (r) => ({
        type: 'on_video_bitrate',
        videoBitrate: r.number('video_bitrate'),
        constraint: r.number('video_bitrate_constraint'),
    }),
    on_rtp_props: (r) => ({ type: 'on_rtp_props', nack: r.number('nack'), drop: r.number('drop') }),
    on_keyframe_interval: (r) => ({ type: 'on_keyframe_interval', interval: r.number('result') }),
    on_media_receive: (r) => {
        const stats = new Reader('on_media_receive.stats', r.object('stats') ?? {});
        return {
            type: 'on_media_receive',
            report: {
                millis: r.number('millis'),
                tracks: r.strings('tracks'),
                stats: defined({
                    jitterMs: stats.optNumber('jitter_ms'),
                    lossNum: stats.optNumber('loss_num'),
                    lossPerc: stats.optNumber('loss_perc'),
                    nackNum: stats.optNumber('nack_num'),
                }),
            },
        };
    },
    on_track_drop: (r) => ({
        type: 'on_track_drop',
        track: r.number('track'),
        mediaType: r.optString('mediaType') ?? r.string('mediatype'),
    }),
    on_stop: (r) => ({
        type: 'on_stop',
        infos: defined({ begin: r.optNumber('begin'), current: r.optNumber('current'), end: r.optNumber('end') }),
    }),
    warning: (r) => ({ type: 'warning', text: r.string('warning') }),
};

function isKnownType(type: string): type is ServerMessageType {
    return Object.prototype.hasOwnProperty.call(DECODERS, type);
}

function isBinary(data: unknown): boolean {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return true;
    const BlobCtor = (globalThis as { Blob?: new () => object }).Blob;
    return BlobCtor !== undefined && data instanceof BlobCtor;
}

/**
 * Validates one WebSocket frame from the server and decodes it into a {@link ServerMessage}.
 * Never throws: binary frames, frames over {@link MAX_FRAME_LENGTH}, malformed JSON, non-objects,
 * unknown types and missing or wrong-typed required fields give `{ ok: false, reason }`.
 *
 * Fields nested under `data` and fields at the top level are both accepted (servers differ; `data`
 * wins); numeric strings are coerced to numbers; optional fields of the wrong type are dropped.
 *
 * @example
 * ```ts
 * const decoded = decodeServerMessage(event.data);
 * if (decoded.ok && decoded.message.type === 'on_time') console.log(decoded.message.infos.current);
 * ```
 */
export function decodeServerMessage(data: unknown): DecodeResult {
    if (typeof data !== 'string') {
        return { ok: false, reason: isBinary(data) ? 'binary frame' : `not a text frame (${typeof data})` };
    }
    // Checked before parsing so that a huge frame costs nothing.
    if (data.length > MAX_FRAME_LENGTH) return { ok: false, reason: `frame too large (${data.length} chars)` };
    let raw: unknown;
    try {
        raw = JSON.parse(data);
    } catch (error) {
        return { ok: false, reason: `malformed JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (!isObject(raw)) return { ok: false, reason: 'not a JSON object' };
    const type = raw.type;
    if (typeof type !== 'string' || type === '') return { ok: false, reason: 'missing type' };
    if (!isKnownType(type)) return { ok: false, reason: `unknown type '${type}'` };
    const fields = isObject(raw.data) ? { ...raw, ...raw.data } : raw;
    try {
        const decode = DECODERS[type] as (r: Reader) => ServerMessage;
        return { ok: true, message: decode(new Reader(type, fields)) };
    } catch (error) {
        if (error instanceof Invalid) return { ok: false, reason: error.message };
        return { ok: false, reason: `${type}: ${String(error)}` };
    }
}

/** Whether a {@link decodeServerMessage} failure is only an unknown `type` (expected; not a fault). */
export function isUnknownTypeReason(reason: string): boolean {
    return reason.startsWith('unknown type');
}

/**
 * Encodes a client message as one JSON text frame. Throws `INVALID_ARGUMENT` when `type` is not a
 * non-empty string or the message cannot be serialised (cycles, bigint).
 *
 * @example
 * ```ts
 * socket.send(encodeClientMessage({ type: 'video_bitrate', video_bitrate: 800_000 }));
 * ```
 */
export function encodeClientMessage(message: ClientMessage | CustomClientMessage): string {
    if (!isObject(message) || typeof message.type !== 'string' || message.type === '') {
        throw new RtcError('INVALID_ARGUMENT', 'a client message needs a non-empty string type');
    }
    try {
        return JSON.stringify(message);
    } catch (cause) {
        throw new RtcError('INVALID_ARGUMENT', `message '${message.type}' cannot be serialised to JSON`, { cause });
    }
}
