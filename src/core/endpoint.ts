import { RtcError } from './RtcError';
import type { ConnectParams } from './types';

/** Signaling transport of an endpoint. */
export type Transport = 'ws' | 'http';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether `endPoint` names an HTTP (WHIP/WHEP) endpoint rather than a WebSocket one. */
export function transportOf(endPoint: string): Transport {
    return /^https?:\/\//i.test(endPoint.trim()) ? 'http' : 'ws';
}

/**
 * Parses `params.endPoint` as a URL of `schemes` (`[plain, secure]`: a bare host gets the secure
 * one unless it is local; the other transport's schemes are mapped), names the stream in its
 * path (`/<segment>/<name>`) and adds `params.query`. Throws `INVALID_ARGUMENT` for an empty or
 * invalid endpoint, another scheme, or no stream name.
 */
function buildUrl(params: ConnectParams, schemes: [string, string], segment: string): { url: URL; streamName: string } {
    const raw = params.endPoint.trim();
    const fail = (message: string, cause?: unknown) => new RtcError('INVALID_ARGUMENT', message, { cause });
    if (!raw) throw fail('endPoint is empty');
    let text = raw;
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
        const host = raw.split(/[/?#]/)[0] ?? '';
        const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
        text = `${schemes[LOCAL_HOSTS.has(hostname.toLowerCase()) ? 0 : 1]}://${raw}`;
    }
    let url: URL;
    try {
        url = new URL(text);
    } catch (cause) {
        throw fail(`invalid endPoint '${raw}'`, cause);
    }
    // ws ↔ http, wss ↔ https: the other transport's scheme of the same security.
    const scheme = url.protocol.slice(0, -1);
    const index = ['ws', 'wss', 'http', 'https'].indexOf(scheme);
    if (index < 0) throw fail(`unsupported endPoint scheme '${url.protocol}'`);
    url.protocol = `${schemes[index % 2]}:`;
    let streamName = params.streamName;
    const named = /\/(?:webrtc|whip|whep)\/([^/]+)\/?$/.exec(url.pathname)?.[1];
    if (named) {
        try {
            streamName = decodeURIComponent(named);
        } catch (cause) {
            throw fail(`invalid stream name in endPoint path '${named}'`, cause);
        }
    } else {
        if (!streamName) throw fail('streamName is required when endPoint does not name the stream');
        const base = url.pathname.replace(/\/+$/, '');
        // A path that already ends with the protocol segment (`https://host/whep`) only lacks the name.
        const prefix = /\/(?:webrtc|whip|whep)$/.test(base) ? base : `${base}/${segment}`;
        url.pathname = `${prefix}/${encodeURIComponent(streamName)}`;
    }
    const query = params.query;
    for (const [key, value] of query instanceof URLSearchParams ? query : Object.entries(query ?? {})) {
        url.searchParams.set(key, value);
    }
    return { url, streamName };
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
    const { url, streamName } = buildUrl(params, ['ws', 'wss'], 'webrtc');
    if (params.accessToken) url.searchParams.set('accessToken', params.accessToken);
    return { url: url.toString(), streamName };
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
    const { url, streamName } = buildUrl(params, ['http', 'https'], publish ? 'whip' : 'whep');
    return { url: url.toString(), streamName };
}
