import { RtcError, type RtcErrorCode } from '../core/RtcError';

/**
 * The HTTP side of WHIP/WHEP: bounded reads of response bodies, the error of a failed request by
 * its status and body, `Retry-After`, and the origin rule of the access token.
 *
 * @packageDocumentation
 */

/** Largest answer body read, bytes: an SDP answer is a few KB; anything far larger is not one. */
export const MAX_ANSWER_BYTES = 256 * 1024;

/** Largest part of an error body read for the error message, bytes. */
export const MAX_ERROR_BYTES = 4 * 1024;

/** A response body read up to a limit. */
export interface BoundedBody {
    /** The text read (at most the limit's bytes, decoded as UTF-8). */
    text: string;
    /** Whether the body went on past the limit (the rest was not read). */
    truncated: boolean;
}

/**
 * Reads at most `limit` bytes of `response`'s body, then cancels the rest: a huge or endless body
 * never fills the memory. A body that breaks off rejects (the network error).
 */
export async function readBody(response: Response, limit: number): Promise<BoundedBody> {
    const reader = response.body?.getReader();
    if (!reader) return { text: '', truncated: false };
    const decoder = new TextDecoder();
    let text = '';
    let bytes = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) return { text: text + decoder.decode(), truncated: false };
        const room = limit - bytes;
        if (value.byteLength > room) {
            text += decoder.decode(value.subarray(0, room));
            // Not awaited: a server that keeps sending must not keep us waiting.
            reader.cancel().catch(() => undefined);
            return { text, truncated: true };
        }
        bytes += value.byteLength;
        text += decoder.decode(value, { stream: true });
    }
}

/**
 * The delay a `Retry-After` header asks for, ms: seconds, or an HTTP date (from `now`); `undefined`
 * without a usable value.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
    if (!header) return undefined;
    const text = header.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    // An HTTP date starts with the day name (`Wed, 21 Oct 2026 07:28:00 GMT`); Date.parse alone
    // would take '1.5' for a date.
    if (!/^[a-z]{3},/i.test(text)) return undefined;
    const date = Date.parse(text);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether two URLs share an origin (scheme, host and port). */
export function sameOrigin(a: string, b: string): boolean {
    try {
        return new URL(a).origin === new URL(b).origin;
    } catch {
        return false;
    }
}

/** Error texts that say the stream or endpoint is taken (Janus: "Endpoint ID already in use"). */
const IN_USE = /\b(in use|already (published|publishing|exists|taken|streaming)|busy)\b/i;

/**
 * The error of a failed WHIP/WHEP request, from its status and body:
 * - 401, 403 → `ACCESS_DENIED` (a 403 that says the stream is in use → `STREAM_IN_USE`);
 * - 409 → `STREAM_IN_USE`; 404 → `STREAM_NOT_FOUND`;
 * - 400, 406, 415, 422 → `SIGNALING_FAILED` (the server does not take this offer);
 * - 429 and 5xx → `SIGNALING_FAILED`, retryable (honouring `Retry-After`);
 * - any other status → `REFUSED`.
 * Only 429 and 5xx are retryable. The message names the request, its URL and what to check, with
 * the first 200 characters of the body on one line.
 */
export function httpError(what: string, url: string, status: number, body: string, retryAfter?: number): RtcError {
    const text = body.replace(/\s+/g, ' ').trim().slice(0, 200);
    const said = text ? `: ${text}` : '';
    const failed = `${what} ${url} failed with HTTP ${status}${said}`;
    let code: RtcErrorCode = 'REFUSED';
    let hint = 'the server refused the session';
    if ((status === 403 && IN_USE.test(text)) || status === 409) {
        code = 'STREAM_IN_USE';
        hint = 'the stream is already in use (another publisher?)';
    } else if (status === 401 || status === 403) {
        code = 'ACCESS_DENIED';
        hint = 'check the access token';
    } else if (status === 404) {
        code = 'STREAM_NOT_FOUND';
        hint = 'check the endpoint URL and that the stream exists';
    } else if ([400, 406, 415, 422].includes(status)) {
        code = 'SIGNALING_FAILED';
        hint = 'the server does not accept this offer';
    } else if (status === 429 || status >= 500) {
        code = 'SIGNALING_FAILED';
        hint = 'the server is busy or failing; retrying';
    }
    return new RtcError(code, `${failed} (${hint})`, {
        retryable: status === 429 || status >= 500,
        retryAfterMs: retryAfter,
    });
}
