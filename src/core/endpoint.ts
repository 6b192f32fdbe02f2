import { RtcError } from './RtcError';
import type { ConnectParams } from './types';

/** Signaling transport of an endpoint. */
export type Transport = 'ws' | 'http';

/** Whether `endPoint` names an HTTP (WHIP/WHEP) endpoint rather than a WebSocket one. */
export function transportOf(endPoint: string): Transport {
    return /^\s*https?:\/\//i.test(endPoint) ? 'http' : 'ws';
}

/**
 * Parses `params.endPoint` as a URL of the transport of `segment` (`webrtc`: `ws[s]`, else
 * `http[s]`; a bare host gets the secure scheme unless it is local; the other transport's schemes
 * are mapped), names the stream in its path (`/<segment>/<name>`) and adds `params.query` (and the
 * access token for WebSocket). Throws `INVALID_ARGUMENT` for an invalid endpoint (or one that is no
 * string), another scheme, or no stream name (or one that is no string).
 */
function buildUrl(params: ConnectParams, segment: string): { url: string; streamName: string } {
    const ws = segment == 'webrtc';
    let url: URL;
    let streamName: unknown;
    try {
        // A ws(s) or http(s) scheme, mapped to the transport's of the same security (ws ↔ http,
        // wss ↔ https), or none, when a local bare host gets the plain scheme (`ws://`, `http://`).
        // Another scheme does not match: reading the null match throws, an invalid endPoint. No
        // params or an endPoint that is no string: a TypeError, the same invalid endPoint.
        const scheme =
            /^(?:(?:ws|http)(s?):\/\/|(?![a-z][a-z\d+.-]*:\/\/)(?=(?:(localhost|127\.0\.0\.1|\[::1\])(?:[:/?#]|$))?))(.*)/is.exec(
                params.endPoint.trim(),
            )!;
        url = new URL(`${ws ? 'ws' : 'http'}${scheme[1] ?? (scheme[2] ? '' : 's')}://${scheme[3]}`);
        // `/<segment>[/<name>]` at the end of the path (trailing slashes ignored), or the path's
        // end: a path that names the stream is kept; else (`https://host/whep` too) it gets the name
        // (one that is no string is checked below; one that cannot be encoded is invalid here).
        url.pathname = url.pathname.replace(
            /(?:\/(webrtc|whip|whep)(?:\/([^/]+))?)?\/*$/,
            (path, named = segment, name?: string) =>
                name
                    ? ((streamName = decodeURIComponent(name)), path)
                    : `/${named}/${encodeURIComponent((streamName = params.streamName) as string)}`,
        );
    } catch (cause) {
        throw new RtcError('INVALID_ARGUMENT', `invalid endPoint '${params?.endPoint}'`, { cause });
    }
    if (!streamName || typeof streamName != 'string')
        throw new RtcError('INVALID_ARGUMENT', 'streamName (string) is required');
    for (const [key, value] of new URLSearchParams(params.query)) url.searchParams.set(key, value);
    if (ws && params.accessToken) url.searchParams.set('accessToken', params.accessToken);
    return { url: url.href, streamName };
}

/**
 * The stream name of `params`: from the endpoint's path when it names one (`/webrtc|whip|whep/<name>`),
 * else `params.streamName`. Throws `INVALID_ARGUMENT` for an invalid endpoint or when no stream
 * name can be found (the same rules as the URL builders below).
 *
 * @example
 * ```ts
 * resolveStreamName({ endPoint: 'https://media.example.com/whep/live' }); // 'live'
 * resolveStreamName({ endPoint: 'media.example.com', streamName: 'cam1' }); // 'cam1'
 * ```
 */
export function resolveStreamName(params: ConnectParams): string {
    return buildUrl(params, 'webrtc').streamName;
}

/**
 * Builds the WebSocket signaling URL of `params`. A bare `host[:port]` becomes
 * `wss://host[:port]/webrtc/<streamName>` (`ws://` for local hosts); the access token is a query
 * parameter. Throws `INVALID_ARGUMENT` when no stream name can be found.
 *
 * @example
 * ```ts
 * buildWebSocketUrl({ endPoint: 'localhost:8080', streamName: 'live' }).url;
 * // 'ws://localhost:8080/webrtc/live'
 * ```
 */
export function buildWebSocketUrl(params: ConnectParams): {
    /** The full signaling URL, access token and query included. */
    url: string;
    /** The stream name: from the URL path when it names one, else `params.streamName`. */
    streamName: string;
} {
    return buildUrl(params, 'webrtc');
}

/**
 * Builds the WHIP (`publish`) or WHEP URL of `params`: a bare host or a URL without a stream
 * path gets `/whip/<name>` or `/whep/<name>`. The access token is not put in the URL.
 * Throws `INVALID_ARGUMENT` when no stream name can be found.
 *
 * @param publish - `true` for a WHIP (publish) URL, `false` for a WHEP (play) URL.
 *
 * @example
 * ```ts
 * buildHttpUrl({ endPoint: 'https://media.example.com', streamName: 'live' }, false).url;
 * // 'https://media.example.com/whep/live'
 * ```
 */
export function buildHttpUrl(
    params: ConnectParams,
    publish: boolean,
): {
    /** The URL the offer is posted to, query included (the access token is a header, not here). */
    url: string;
    /** The stream name: from the URL path when it names one, else `params.streamName`. */
    streamName: string;
} {
    return buildUrl(params, publish ? 'whip' : 'whep');
}
