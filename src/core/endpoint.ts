import { RtcError } from './RtcError';
import type { ConnectParams } from './types';

/**
 * How an `endPoint` becomes the URL a connector talks to:
 *
 * - a **bare `host[:port]`** gets a scheme (`wss://`/`https://`, or `ws://`/`http://` for
 *   `localhost`, `127.0.0.1` and `[::1]`) and the stream path: `/webrtc/<streamName>` for
 *   WebSocket signaling, `/whip/<streamName>` or `/whep/<streamName>` for WHIP/WHEP;
 * - a **full URL** (`ws(s)://`, `http(s)://`) with a path is an endpoint as the server gave it:
 *   used exactly as given, path and query kept (`https://host:7080/whip/endpoint/cam1`,
 *   `https://x.example/live/abc/whep?x=1`, `wss://host/webrtc/in+abc`); `streamName` is then
 *   optional (taken from the last path segment, for display and logs);
 * - a full URL **without a path** (`https://media.example.com`) names a server, like a bare host:
 *   it gets the stream path.
 *
 * The scheme follows the transport of the connector (`ws ↔ http`, `wss ↔ https`), so one endpoint
 * can serve both when the connector is forced. `query` is added to the URL's own query; the access
 * token travels as a query parameter on WebSocket (named by `tokenParam`), as a header on WHIP/WHEP.
 *
 * @packageDocumentation
 */

/** Signaling transport of an endpoint. */
export type Transport = 'ws' | 'http';

/** A connector's target: its URL and the stream name it plays or publishes. */
export interface Endpoint {
    /** The URL to connect to (query and, for WebSocket, the access token included). */
    url: string;
    /** The stream name: `params.streamName`, else the URL's last path segment. */
    streamName: string;
}

/** The query parameter of the access token on WebSocket: the one stock MistServer reads. */
export const DEFAULT_TOKEN_PARAM = 'tkn';

/** Whether `endPoint` names an HTTP (WHIP/WHEP) endpoint rather than a WebSocket one. */
export function transportOf(endPoint: string): Transport {
    return /^\s*https?:\/\//i.test(endPoint) ? 'http' : 'ws';
}

/** Hosts that are reached without TLS by default: the machine itself. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function invalid(message: string, cause?: unknown): RtcError {
    return new RtcError('INVALID_ARGUMENT', message, { cause });
}

/**
 * Parses `endPoint` (a bare host or a `ws(s)`/`http(s)` URL) into a URL with the scheme of
 * `transport`; throws `INVALID_ARGUMENT` for anything else.
 */
function parseEndPoint(endPoint: unknown, transport: Transport): URL {
    if (typeof endPoint !== 'string' || !endPoint.trim()) {
        throw invalid(
            `endPoint must be a host or a URL (got ${typeof endPoint === 'string' ? 'an empty string' : typeof endPoint})`,
        );
    }
    const text = endPoint.trim();
    const scheme = /^([a-z][a-z\d+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
    if (scheme !== undefined && !['ws', 'wss', 'http', 'https'].includes(scheme)) {
        throw invalid(`endPoint '${text}': only ws(s):// and http(s):// URLs are supported`);
    }
    let url: URL;
    try {
        url = new URL(scheme === undefined ? `http://${text}` : text);
    } catch (cause) {
        throw invalid(`endPoint '${text}' is not a valid host or URL`, cause);
    }
    const secure =
        scheme === undefined ? !LOCAL_HOSTS.has(url.hostname.toLowerCase()) : scheme === 'wss' || scheme === 'https';
    // Both are special schemes: the URL keeps its host, path and query.
    url.protocol = `${transport === 'ws' ? 'ws' : 'http'}${secure ? 's' : ''}:`;
    return url;
}

/** `params.streamName` when given (a non-empty string), else `undefined`; throws for another type. */
function givenStreamName(params: ConnectParams): string | undefined {
    const name: unknown = params.streamName;
    if (name === undefined) return undefined;
    if (typeof name !== 'string' || !name) throw invalid('streamName must be a non-empty string');
    return name;
}

/**
 * Resolves `params` for `transport`: the URL (see the rules above) and the stream name. `segment`
 * is the stream path's first segment for a server URL (`webrtc`, `whip`, `whep`).
 */
function resolve(params: ConnectParams, transport: Transport, segment: string): Endpoint {
    if (typeof params !== 'object' || params === null) throw invalid('connect params are required');
    const url = parseEndPoint(params.endPoint, transport);
    let streamName = givenStreamName(params);
    if (url.pathname === '/') {
        // A server, not an endpoint: the stream path is ours to add.
        if (streamName === undefined) {
            throw invalid(`streamName is required: endPoint '${params.endPoint}' does not name a stream`);
        }
        try {
            url.pathname = `/${segment}/${encodeURIComponent(streamName)}`;
        } catch (cause) {
            // A lone surrogate cannot be URL-encoded.
            throw invalid('streamName cannot be URL-encoded', cause);
        }
    } else if (streamName === undefined) {
        const last = url.pathname.split('/').filter(Boolean).pop() ?? '';
        try {
            streamName = decodeURIComponent(last);
        } catch (cause) {
            throw invalid(`endPoint '${params.endPoint}' has a malformed path`, cause);
        }
    }
    for (const [key, value] of new URLSearchParams(params.query)) url.searchParams.set(key, value);
    return { url: url.href, streamName };
}

/**
 * The stream name of `params`: `params.streamName`, else the last path segment of a full endpoint
 * URL. Throws `INVALID_ARGUMENT` for an invalid endpoint or when no stream name can be found.
 *
 * @example
 * ```ts
 * resolveStreamName({ endPoint: 'https://media.example.com/whep/live' }); // 'live'
 * resolveStreamName({ endPoint: 'media.example.com', streamName: 'cam1' }); // 'cam1'
 * ```
 */
export function resolveStreamName(params: ConnectParams): string {
    return resolve(params, 'http', 'whep').streamName;
}

/**
 * Builds the WebSocket signaling URL of `params`: a bare host (or a URL without a path) becomes
 * `wss://host[:port]/webrtc/<streamName>` (`ws://` for local hosts), a full URL is kept as given;
 * the access token is the query parameter `tokenParam`. Throws `INVALID_ARGUMENT` when no stream
 * name can be found.
 *
 * @param tokenParam - the access token's query parameter (default `tkn`, which stock MistServer
 *   reads; it also reads `jwt`, `sid` and `sessId`; the Ceeblue platform uses `id`).
 *
 * @example
 * ```ts
 * buildWebSocketUrl({ endPoint: 'localhost:8080', streamName: 'live' }).url;
 * // 'ws://localhost:8080/webrtc/live'
 * buildWebSocketUrl({ endPoint: 'wss://media.example.com/webrtc/live', accessToken: 'abc' }).url;
 * // 'wss://media.example.com/webrtc/live?tkn=abc'
 * ```
 */
export function buildWebSocketUrl(params: ConnectParams, tokenParam = DEFAULT_TOKEN_PARAM): Endpoint {
    const endpoint = resolve(params, 'ws', 'webrtc');
    if (!params.accessToken) return endpoint;
    const url = new URL(endpoint.url);
    url.searchParams.set(tokenParam, params.accessToken);
    return { ...endpoint, url: url.href };
}

/**
 * Builds the WHIP (`publish`) or WHEP URL of `params`: a bare host (or a URL without a path) gets
 * `/whip/<name>` or `/whep/<name>`, a full URL is the endpoint, used as given. The access token is
 * not put in the URL (it is an `Authorization` header). Throws `INVALID_ARGUMENT` when no stream
 * name can be found.
 *
 * @param publish - `true` for a WHIP (publish) URL, `false` for a WHEP (play) URL.
 *
 * @example
 * ```ts
 * buildHttpUrl({ endPoint: 'https://media.example.com', streamName: 'live' }, false).url;
 * // 'https://media.example.com/whep/live'
 * buildHttpUrl({ endPoint: 'http://janus.example.com:7080/whip/endpoint/cam1' }, true).url;
 * // 'http://janus.example.com:7080/whip/endpoint/cam1' (streamName 'cam1')
 * ```
 */
export function buildHttpUrl(params: ConnectParams, publish: boolean): Endpoint {
    return resolve(params, 'http', publish ? 'whip' : 'whep');
}

/**
 * A resource that MistServer-compatible servers serve next to their signaling, on the same host
 * and port: `<scheme>://host[:port][/prefix]/<file>`, where `file` is made from the URL-encoded
 * stream name (`json_<name>.js`, the metadata; `<name>.json`, the timed data). A path that ends
 * with `/webrtc|whip|whep/<name>` keeps what comes before it (a server behind a path prefix); any
 * other path is not MistServer's, and the resource is looked up at the root. The query (tokens,
 * track choices) belongs to the session and is left out. Throws `INVALID_ARGUMENT` like
 * {@link buildHttpUrl}.
 *
 * @param scheme - `'http'` (`https` for secure endpoints) or `'ws'` (`wss`).
 *
 * @example
 * ```ts
 * streamResourceUrl({ endPoint: 'wss://media.example.com/webrtc/live' }, (name) => `json_${name}.js`, 'http');
 * // 'https://media.example.com/json_live.js'
 * ```
 * @internal
 */
export function streamResourceUrl(
    params: ConnectParams,
    file: (encodedName: string) => string,
    scheme: 'http' | 'ws',
): string {
    const { url, streamName } = buildHttpUrl(params, false);
    const target = new URL(url);
    const prefix = /^(.*)\/(?:webrtc|whip|whep)\/[^/]+\/*$/.exec(target.pathname)?.[1] ?? '';
    target.pathname = `${prefix}/${file(encodeURIComponent(streamName))}`;
    target.search = '';
    target.hash = '';
    return scheme === 'ws' ? target.href.replace(/^http/, 'ws') : target.href;
}
