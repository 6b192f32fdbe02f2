/**
 * Stable error codes carried by every {@link RtcError}.
 *
 * - `ACCESS_DENIED`: the server or the browser refused access (401/403, camera permission).
 * - `STREAM_NOT_FOUND`: the server does not know the stream (404, `Stream open failed`).
 * - `STREAM_IN_USE`: the stream (or WHIP endpoint) is already taken, e.g. by another publisher
 *   (409, or a 403 saying so). Not retryable.
 * - `SERVER_UNREACHABLE`: the server could not be reached (no connection, a WebSocket closed
 *   before it opened, a network error on the request): a wrong address, port or path, or the
 *   server is down. Retryable: the facades retry it a few times while no session ever opened.
 * - `REFUSED`: the server refused the session (`result:false`, `on_error` before the answer).
 * - `SIGNALING_FAILED`: the signaling exchange failed (bad answer, HTTP 5xx, socket error before open).
 * - `CONNECTION_LOST`: an established or establishing session dropped (socket closed unexpectedly,
 *   peer connection failed, server silent too long). Retryable by default, like `SERVER_UNREACHABLE`.
 * - `TIMEOUT`: a reply did not arrive in time.
 * - `STREAM_ENDED`: the server ended the stream (`on_stop`).
 * - `MEDIA_FAILED`: capturing, negotiating or playing media failed.
 * - `INVALID_ARGUMENT`: a call got a bad argument (thrown synchronously).
 * - `INVALID_STATE`: a call is not possible in the current state (e.g. no sender for that kind).
 * - `NOT_SUPPORTED`: the platform lacks a required feature.
 * - `ABORTED`: the operation was cancelled by the application (AbortSignal, `stop()`).
 */
export type RtcErrorCode =
    | 'ACCESS_DENIED'
    | 'STREAM_NOT_FOUND'
    | 'STREAM_IN_USE'
    | 'SERVER_UNREACHABLE'
    | 'REFUSED'
    | 'SIGNALING_FAILED'
    | 'CONNECTION_LOST'
    | 'TIMEOUT'
    | 'STREAM_ENDED'
    | 'MEDIA_FAILED'
    | 'INVALID_ARGUMENT'
    | 'INVALID_STATE'
    | 'NOT_SUPPORTED'
    | 'ABORTED';

/** Options of the {@link RtcError} constructor. */
export interface RtcErrorOptions {
    /**
     * Whether trying the same thing again may succeed (default: `true` for `CONNECTION_LOST` and
     * `SERVER_UNREACHABLE` only).
     */
    retryable?: boolean;
    /** The underlying error or value. */
    cause?: unknown;
    /** How long the server asked to wait before trying again, ms (HTTP `Retry-After`). */
    retryAfterMs?: number;
}

/**
 * The one error type of rtcwire. Every failure that reaches the application is an `RtcError`
 * with a stable {@link RtcErrorCode}, a `retryable` flag and the original `cause`.
 *
 * @example
 * ```ts
 * player.on('stop', (error) => {
 *     if (error?.code === 'ACCESS_DENIED') showLogin();
 *     else if (error) console.warn(error.code, error.message);
 * });
 * ```
 */
export class RtcError extends Error {
    /** Stable, machine-readable code. */
    readonly code: RtcErrorCode;
    /** Whether trying again may succeed. */
    readonly retryable: boolean;
    /** The underlying error or value, if any. */
    override readonly cause?: unknown;
    /** How long the server asked to wait before trying again, ms, when it said (HTTP `Retry-After`). */
    readonly retryAfterMs?: number;

    constructor(code: RtcErrorCode, message: string, options: RtcErrorOptions = {}) {
        super(message);
        this.name = 'RtcError';
        this.code = code;
        this.retryable = options.retryable ?? (code === 'CONNECTION_LOST' || code === 'SERVER_UNREACHABLE');
        if (options.cause !== undefined) this.cause = options.cause;
        if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    }

    /** Wraps any thrown value into an `RtcError`, keeping an `RtcError` as it is. */
    static from(value: unknown, code: RtcErrorCode = 'MEDIA_FAILED', message?: string): RtcError {
        return value instanceof RtcError
            ? value
            : (fromDomException(value) ??
                  new RtcError(code, message ?? (value instanceof Error ? value.message : String(value)), {
                      cause: value,
                  }));
    }
}

/** DOMException names (getUserMedia, play(), setParameters …) mapped to a code. */
const DOM_CODES: Record<string, RtcErrorCode | null> = {
    // Prototype-free: a name like 'constructor' is no DOMException name.
    __proto__: null,
    NotAllowedError: 'ACCESS_DENIED',
    SecurityError: 'ACCESS_DENIED',
    PermissionDeniedError: 'ACCESS_DENIED',
    NotFoundError: 'MEDIA_FAILED',
    DevicesNotFoundError: 'MEDIA_FAILED',
    NotReadableError: 'MEDIA_FAILED',
    TrackStartError: 'MEDIA_FAILED',
    OverconstrainedError: 'INVALID_ARGUMENT',
    // TypeError is deliberately absent: fetch() network failures and plain bugs are TypeErrors
    // too, and must keep the code the caller asked for (e.g. CONNECTION_LOST).
    InvalidStateError: 'INVALID_STATE',
    InvalidModificationError: 'INVALID_STATE',
    OperationError: 'MEDIA_FAILED',
    NotSupportedError: 'NOT_SUPPORTED',
    AbortError: 'ABORTED',
};

/**
 * Maps a DOMException-like error (anything with a `name`) to an {@link RtcError}; returns
 * `undefined` when the name is not a known DOMException name.
 */
export function fromDomException(value: unknown): RtcError | undefined {
    // Any value: a primitive has no name.
    const { name, message } = Object(value) as { name?: unknown; message?: unknown };
    // Not a known name ('Error' included): not a DOMException.
    const code = DOM_CODES[name as string];
    if (!code) return undefined;
    return new RtcError(code, message ? `${name as string}: ${message}` : (name as string), {
        cause: value,
    });
}
