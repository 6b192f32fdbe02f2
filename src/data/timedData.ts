import { readJsonObject } from '../core/json';
import { finite, isTrackIndex } from '../core/numbers';
import { RtcError } from '../core/RtcError';

/**
 * One item of a stream's timed data, as MistServer's data channels and data WebSocket carry it:
 * `{ time, track, data }` for a JSON track, `{ time, track, data, duration }` for subtitles.
 *
 * `time` is in the media's clock (ms), the clock of the `current` position the server reports
 * (`playing` events): an app shows the item when playback reaches it.
 *
 * @example
 * ```ts
 * player.on('data', (time, track, data) => queue.push({ time, track, data }));
 * player.on('playing', ({ current }) => {
 *     while (queue.length && queue[0].time <= current) show(queue.shift());
 * });
 * ```
 */
export interface TimedData {
    /** When the item applies, ms in the media's clock. */
    time: number;
    /** The data (meta) track it belongs to. */
    track: number;
    /** The item itself: any JSON value (a subtitle's text). */
    data: unknown;
    /** How long it applies, ms (subtitles). */
    duration?: number;
}

/** Longest timed-data frame read, in UTF-16 code units (1 MiB): larger ones are dropped unread. */
export const MAX_TIMED_DATA_LENGTH = 2 ** 20;

/**
 * Reads one text frame of timed data, or says why it is none: a binary or oversized frame, bad
 * JSON, a `time` that is not a finite number `>= 0`, a `track` (or MistServer's `trackid`) that is
 * not a track index, a `duration` that is not a finite number `>= 0` (dropped, the item kept).
 * Never throws. An item without `data` has `data: null`.
 *
 * @example
 * ```ts
 * readTimedData('{"time":5000,"track":3,"data":{"score":"2-1"}}');
 * // { time: 5000, track: 3, data: { score: '2-1' } }
 * readTimedData('{"time":-1,"track":3}'); // 'time is not a media time'
 * ```
 */
export function readTimedData(frame: unknown): TimedData | string {
    const fields = readJsonObject(frame, MAX_TIMED_DATA_LENGTH);
    if (typeof fields === 'string') return fields;
    const time = finite(fields.time);
    if (time === undefined || time < 0) return 'time is not a media time';
    const track = fields.track ?? fields.trackid;
    if (!isTrackIndex(track)) return 'track is not a track index';
    const read: TimedData = { time, track, data: fields.data ?? null };
    const duration = finite(fields.duration);
    if (duration !== undefined && duration >= 0) read.duration = duration;
    return read;
}

/** Largest item a publisher sends, in UTF-16 code units of its JSON (64 KiB): any data channel carries it. */
export const MAX_SENT_DATA_LENGTH = 64 * 1024;

/**
 * The JSON text of an item a publisher sends (`sendData`); throws `INVALID_ARGUMENT` for data that
 * is no JSON value (`undefined`, a function, a cycle, a bigint) or whose JSON is over 64 KiB.
 * @internal
 */
export function encodeTimedData(data: unknown): string {
    let text: string | undefined;
    try {
        text = JSON.stringify(data);
    } catch (cause) {
        throw new RtcError('INVALID_ARGUMENT', 'sendData: data cannot be serialised to JSON', { cause });
    }
    if (text === undefined) throw new RtcError('INVALID_ARGUMENT', 'sendData: data must be a JSON value');
    if (text.length > MAX_SENT_DATA_LENGTH) {
        throw new RtcError(
            'INVALID_ARGUMENT',
            `sendData: data is larger than ${MAX_SENT_DATA_LENGTH / 1024} KiB of JSON`,
        );
    }
    return text;
}
