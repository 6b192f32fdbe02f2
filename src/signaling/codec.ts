import { RtcError } from '../core/RtcError';
import type { ClientMessage, CustomClientMessage, ServerMessage, ServerMessageType } from './messages';

/** Longest text frame accepted from a server, in UTF-16 code units (1 MiB). */
export const MAX_FRAME_LENGTH = 1024 * 1024;

/** Outcome of {@link decodeServerMessage}: the message, or why the frame was rejected. */
export type DecodeResult = { ok: true; message: ServerMessage } | { ok: false; reason: string };

type Json = Record<string, unknown>;

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function isObject(value: unknown): value is Json {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A finite number, or a numeric string (servers send track indices and rates as strings). */
function toNumber(value: unknown): number | undefined {
    const n =
        typeof value === 'number' || (typeof value === 'string' && NUMERIC.test(value.trim())) ? Number(value) : NaN;
    return Number.isFinite(n) ? n : undefined;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * The field kinds of the schemas: how to read a wire value (`undefined` when it does not fit)
 * and what it should have been (for the rejection reason).
 */
const KINDS: Record<string, [read: (value: unknown) => unknown, expected: string]> = {
    n: [toNumber, 'a number'],
    s: [(v) => (isString(v) ? v : undefined), 'a string'],
    b: [(v) => (typeof v === 'boolean' ? v : v === 0 || v === 1 ? v === 1 : undefined), 'a boolean'],
    /** A play rate: a number, `'auto'` or `'fast-forward'`. */
    r: [(v) => (v === 'auto' || v === 'fast-forward' ? v : toNumber(v)), 'a play rate'],
    N: [
        (v) => {
            const numbers = Array.isArray(v) ? v.map(toNumber) : undefined;
            return numbers?.includes(undefined) ? undefined : numbers;
        },
        'an array of numbers',
    ],
    S: [(v) => (Array.isArray(v) && v.every(isString) ? v : undefined), 'an array of strings'],
};

/**
 * Reads the fields of `schema` from `fields`. A schema lists fields separated by spaces, each
 * `wire[|wire…][>name](:|?)kind`: the wire name(s) (the first that fits wins), the decoded
 * name (default: the wire name in camelCase), `:` for a required field (missing or wrong-typed
 * rejects the message) or `?` for an optional one (dropped when wrong-typed), and a kind of
 * {@link KINDS}. Absent optional fields stay absent (never `undefined`).
 */
function read(type: string, schema: string, fields: Json): Json {
    const out: Json = {};
    for (const field of schema.split(' ')) {
        const [, wires = '', name, required, kind = ''] = /^([\w|]+)(?:>(\w+))?(:)?\??(\w)$/.exec(field) ?? [];
        const [decode, expected] = KINDS[kind]!;
        let value: unknown;
        let wire = '';
        for (wire of wires.split('|')) if ((value = decode(fields[wire])) !== undefined) break;
        if (value !== undefined) out[name ?? wire.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())] = value;
        else if (required) {
            throw new Error(`${type}: '${wire}' is ${fields[wire] === undefined ? 'missing' : `not ${expected}`}`);
        }
    }
    return out;
}

const STOP_OR_TIME = 'begin:n current:n end:n';

/**
 * The schema of each server message: the key its fields are decoded under (`''`: at the top
 * level, next to `type`) and the fields (see {@link read}).
 */
const SCHEMAS: Record<ServerMessageType, [under: string, schema: string]> = {
    // `answer_sdp` is required when `result` is true (checked in decodeServerMessage).
    on_answer_sdp: ['', 'result:b answer_sdp?s'],
    on_error: ['', 'message:s command?s'],
    on_time: ['infos', `${STOP_OR_TIME} tracks:N jitter?n play_rate_curr>playRate?r unixoffset>unixOffset?n next?n`],
    set_speed: ['infos', 'play_rate_curr>playRate:r play_rate_prev>playRatePrev?r live_point?b'],
    seek: ['infos', 'live_point?b play_rate_curr>playRate?r'],
    pause: ['', 'paused:b'],
    on_video_bitrate: ['', 'video_bitrate:n video_bitrate_constraint>constraint:n'],
    on_rtp_props: ['', 'nack:n drop:n'],
    on_keyframe_interval: ['', 'result>interval:n'],
    // Plus `stats`, read from the `stats` object (decodeServerMessage).
    on_media_receive: ['report', 'millis:n tracks:S'],
    on_track_drop: ['', 'track:n mediaType|mediatype>mediaType:s'],
    on_stop: ['infos', STOP_OR_TIME.replace(/:/g, '?')],
    warning: ['', 'warning>text:s'],
};

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
    const reject = (reason: string): DecodeResult => ({ ok: false, reason });
    if (typeof data !== 'string') return reject(isBinary(data) ? 'binary frame' : `not a text frame (${typeof data})`);
    // Checked before parsing so that a huge frame costs nothing.
    if (data.length > MAX_FRAME_LENGTH) return reject(`frame too large (${data.length} chars)`);
    let raw: unknown;
    try {
        raw = JSON.parse(data);
    } catch (error) {
        return reject(`malformed JSON: ${(error as Error).message}`);
    }
    if (!isObject(raw)) return reject('not a JSON object');
    const type = raw.type;
    if (!isString(type) || !type) return reject('missing type');
    // Own properties only: `toString` or `__proto__` are not message types.
    if (!Object.prototype.hasOwnProperty.call(SCHEMAS, type)) return reject(`unknown type '${type}'`);
    const fields = isObject(raw.data) ? { ...raw, ...raw.data } : raw;
    const [under, schema] = SCHEMAS[type as ServerMessageType];
    try {
        const decoded = read(type, schema, fields);
        if (decoded.result === true) read(type, 'answer_sdp:s', fields);
        if (type === 'on_media_receive') {
            decoded.stats = read(
                type,
                'jitter_ms?n loss_num?n loss_perc?n nack_num?n',
                isObject(fields.stats) ? fields.stats : {},
            );
        }
        // The schemas mirror the message types of messages.ts; codec.test.ts checks every one.
        const message: Json = under ? { type, [under]: decoded } : { type, ...decoded };
        return { ok: true, message: message as unknown as ServerMessage };
    } catch (error) {
        return reject((error as Error).message);
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
