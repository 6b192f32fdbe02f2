import { RtcError } from './RtcError';

/**
 * The number checks shared by options, policies and statistics: one test of "a usable measure"
 * each, so that every module reads `undefined`, `NaN` and `Infinity` alike.
 */

/** `value` when it is a finite number, else `undefined`. */
export function finite(value: unknown): number | undefined {
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * `value` when it is a positive, finite number (`undefined`, `NaN`, `Infinity` and `≤ 0` are
 * not), else `fallback`.
 *
 * @example
 * ```ts
 * positive(800_000);           // 800000
 * positive(0);                 // undefined
 * positive(NaN, Infinity);     // Infinity
 * ```
 */
export function positive(value: number | undefined): number | undefined;
export function positive<T>(value: number | undefined, fallback: T): number | T;
export function positive<T>(value: number | undefined, fallback?: T): number | T | undefined {
    return typeof value === 'number' && value > 0 && value < Infinity ? value : fallback;
}

/**
 * An option that is a duration or a count: `value` when it is a number `>= 0` (`Infinity`
 * included: "no limit"), else `fallback` (missing, negative or `NaN`).
 */
export function nonNegative(value: number | undefined, fallback: number): number {
    return typeof value === 'number' && value >= 0 ? value : fallback;
}

/**
 * An argument that must be a finite number `>= min`; throws `INVALID_ARGUMENT` naming `name`
 * otherwise.
 */
export function checkNumber(name: string, value: number, min = 0): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
        throw new RtcError('INVALID_ARGUMENT', `${name} must be a number >= ${min}`);
    }
    return value;
}

/**
 * The largest track index this SDK takes (2^31 − 1): beyond it an index is a server's bug or an
 * attack (it would not even print as digits from 10^21 on), never a track.
 */
export const MAX_TRACK_INDEX = 2 ** 31 - 1;

/** Whether `value` is a track index: an integer from 0 to {@link MAX_TRACK_INDEX}. */
export function isTrackIndex(value: unknown): value is number {
    return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TRACK_INDEX;
}
