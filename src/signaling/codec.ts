import { RtcError } from '../core/RtcError';
import type { ClientMessage, CustomClientMessage, ServerMessage, ServerMessageType } from './messages';

/** Longest text frame accepted from a server, in UTF-16 code units (1 MiB). */
export const MAX_FRAME_LENGTH = 2 ** 20;

type Json = Record<string, unknown>;

/** A finite number, or a numeric string (servers send track indices and rates as strings). */
function toNumber(value: unknown): number | undefined {
    // parseFloat and Number agree only on plain decimal text (not on '', '0x1f', '1_0', '5px').
    const n = typeof value == 'string' && parseFloat(value) === +value ? +value : value;
    return Number.isFinite(n) ? (n as number) : undefined;
}

const string = (v: unknown) => (typeof v == 'string' ? v : undefined);

/** An array whose items all fit `item`, read with it. */
const list =
    (item: (value: unknown) => unknown) =>
    (v: unknown): unknown => {
        const items = Array.isArray(v) ? v.map(item) : [undefined];
        return items.includes(undefined) ? undefined : items;
    };

/** The field kinds of the schemas: how to read a wire value (`undefined` when it does not fit). */
const KINDS: Record<string, (value: unknown) => unknown> = {
    n: toNumber,
    s: string,
    /** A boolean, or 1 / 0. */
    b: (v) => (v === !!v || v === +!!v ? !!v : undefined),
    /** A play rate: a number, `'auto'` or `'fast-forward'`. */
    r: (v) => (v === 'auto' || v === 'fast-forward' ? v : toNumber(v)),
    N: list(toNumber),
    S: list(string),
    /** The `stats` object of `on_media_receive` (all optional: never rejects, `{}` when absent). */
    o: (v) => read('jitter_ms?n loss_num?n loss_perc?n nack_num?n', Object(v)),
};

/**
 * Reads the fields of `schema` from `fields`. A schema lists fields separated by spaces, each
 * `wire[>name](:|?)kind`: the wire name (also read in lower case: `unixOffset` reads
 * `unixoffset`), the decoded name (default: the wire name in camelCase), `:` for a required
 * field (missing or wrong-typed rejects the message) or `?` for an optional one (dropped when
 * wrong-typed), and a kind of {@link KINDS}. Absent optional fields stay absent (never
 * `undefined`).
 */
function read(schema: string, fields: Json): Json {
    const out: Json = {};
    schema.replace(/(\w+)>?(\w*)(\W)(\w)/g, (_, wire: string, name: string, required: string, kind: string) => {
        const value = KINDS[kind]!(fields[wire]) ?? KINDS[kind]!(fields[wire.toLowerCase()]);
        if (value !== undefined) out[name || wire.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())] = value;
        // The reason itself is thrown (decodeServerMessage returns it). An optional field after a
        // true `result` is required: `answer_sdp` of an accepted `on_answer_sdp` (the only schema
        // with a `result` output).
        else if (required == ':' || out.result) throw `'${wire}' is missing or invalid`;
        return '';
    });
    return out;
}

/**
 * The schema of each server message: `event/under/fields`, the {@link WSController} event it
 * fires (none: no event of its own), the key its fields are decoded under (none: at the top
 * level, next to `type`), then the fields (see {@link read}). A message with one field (besides
 * `type`) reports that field's value, the others their fields. @internal
 */
export const SCHEMAS: Record<ServerMessageType, string> = {
    // `answer_sdp` is required when `result` is true (see read).
    on_answer_sdp: '//result:b answer_sdp?s',
    on_error: '//message:s command?s',
    on_time: 'playing/infos/begin:n current:n end:n tracks:N jitter?n play_rate_curr>playRate?r unixOffset?n next?n',
    set_speed: 'speed/infos/play_rate_curr>playRate:r play_rate_prev>playRatePrev?r live_point?b',
    seek: 'seeked/infos/live_point?b play_rate_curr>playRate?r',
    pause: 'paused//paused:b',
    on_video_bitrate: 'videoBitrate//video_bitrate:n video_bitrate_constraint>constraint:n',
    on_rtp_props: 'rtpProps//nack:n drop:n',
    on_keyframe_interval: 'keyframeInterval//result>interval:n',
    on_media_receive: 'mediaReport/report/millis:n tracks:S stats:o',
    on_track_drop: 'trackDrop//track:n mediaType:s',
    on_stop: '/infos/begin?n current?n end?n',
    warning: 'warning//warning>text:s',
};

/**
 * Validates one WebSocket frame from the server and decodes it into a {@link ServerMessage}, or
 * gives why the frame was rejected (a string). Never throws: binary frames, frames over
 * {@link MAX_FRAME_LENGTH}, malformed JSON, non-objects, unknown types and missing or wrong-typed
 * required fields are rejected.
 *
 * Fields nested under `data` and fields at the top level are both accepted (servers differ; `data`
 * wins); numeric strings are coerced to numbers; optional fields of the wrong type are dropped.
 *
 * @example
 * ```ts
 * const message = decodeServerMessage(event.data);
 * if (typeof message == 'string') console.warn('ignored:', message);
 * else if (message.type === 'on_time') console.log(message.infos.current);
 * ```
 */
export function decodeServerMessage(data: unknown): ServerMessage | string {
    // The length is checked before parsing so that a huge frame costs nothing.
    if (typeof data != 'string' || data.length > MAX_FRAME_LENGTH) return 'binary or too large frame';
    let type: unknown;
    try {
        const raw = JSON.parse(data) as Json | null;
        type = raw?.type;
        if (typeof type != 'string' || !type) return 'no type';
        // Own string values only: `toString` or `__proto__` are not message types.
        const schema = SCHEMAS[type as ServerMessageType] as unknown;
        if (typeof schema != 'string') return `unknown type '${type}'`;
        const [, under, specs] = schema.split('/');
        const decoded = read(specs!, { ...raw, ...(raw!.data as object) });
        // The schemas mirror the message types of messages.ts; codec.test.ts checks every one.
        return { type, ...(under ? { [under]: decoded } : decoded) } as unknown as ServerMessage;
    } catch (error) {
        // A string is a field's reason; an Error is JSON.parse's SyntaxError.
        return typeof error == 'string' ? `${type}: ${error}` : 'malformed JSON';
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
