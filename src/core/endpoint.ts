import { RtcError } from './RtcError';
import type { ConnectParams } from './types';

/** Signaling transport of an endpoint. */
export type Transport = 'ws' | 'http';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether `endPoint` names an HTTP (WHIP/WHEP) endpoint rather than a WebSocket one. */
export function transportOf(endPoint: string): Transport {
    return /^https?:\/\//i.test(endPoint.trim()) ? 'http' : 'ws';
}

function applyQuery(url: URL, query: ConnectParams['query']): void {
    if (!query) return;
    const entries = query instanceof URLSearchParams ? query.entries() : Object.entries(query);
    for (const [key, value] of entries) url.searchParams.set(key, value);
}

function parseBase(endPoint: string, defaultScheme: (host: string) => string): URL {
    const raw = endPoint.trim();
    if (!raw) throw new RtcError('INVALID_ARGUMENT', 'endPoint is empty');
    let text = raw;
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
        const host = raw.split(/[/?#]/)[0] ?? '';
        const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
        text = `${defaultScheme(hostname.toLowerCase())}://${raw}`;
    }
    try {
        return new URL(text);
    } catch (cause) {
        throw new RtcError('INVALID_ARGUMENT', `invalid endPoint '${raw}'`, { cause });
    }
}

/** The stream name named by a path like `/webrtc/<name>`, `/whip/<name>` or `/whep/<name>`. */
function streamFromPath(pathname: string): string | undefined {
    const match = /\/(?:webrtc|whip|whep)\/([^/]+)\/?$/.exec(pathname);
    if (!match?.[1]) return undefined;
    try {
        return decodeURIComponent(match[1]);
    } catch (cause) {
        throw new RtcError('INVALID_ARGUMENT', `invalid stream name in endPoint path '${match[1]}'`, { cause });
    }
}

/**
 * Builds the WebSocket signaling URL of `params`. A bare `host[:port]` becomes
 * `wss://host[:port]/webrtc/<streamName>` (`ws://` for local hosts); the access token is a query
 * parameter. Throws `INVALID_ARGUMENT` when no stream name can be found.
 */
export function buildWebSocketUrl(params: ConnectParams): { url: string; streamName: string } {
    const url = parseBase(params.endPoint, (host) => (LOCAL_HOSTS.has(host) ? 'ws' : 'wss'));
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
        throw new RtcError('INVALID_ARGUMENT', `unsupported endPoint scheme '${url.protocol}'`);
    }
    const streamName = resolveStream(url, params.streamName, 'webrtc');
    applyQuery(url, params.query);
    if (params.accessToken) url.searchParams.set('accessToken', params.accessToken);
    return { url: url.toString(), streamName };
}

/**
 * Builds the WHIP (`publish`) or WHEP URL of `params`: a bare host or a URL without a stream
 * path gets `/whip/<name>` or `/whep/<name>`. The access token is not put in the URL.
 */
export function buildHttpUrl(params: ConnectParams, publish: boolean): { url: string; streamName: string } {
    const url = parseBase(params.endPoint, (host) => (LOCAL_HOSTS.has(host) ? 'http' : 'https'));
    if (url.protocol === 'ws:') url.protocol = 'http:';
    if (url.protocol === 'wss:') url.protocol = 'https:';
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new RtcError('INVALID_ARGUMENT', `unsupported endPoint scheme '${url.protocol}'`);
    }
    const streamName = resolveStream(url, params.streamName, publish ? 'whip' : 'whep');
    applyQuery(url, params.query);
    return { url: url.toString(), streamName };
}

function resolveStream(url: URL, streamName: string | undefined, segment: string): string {
    const fromPath = streamFromPath(url.pathname);
    if (fromPath) return fromPath;
    if (!streamName) {
        throw new RtcError('INVALID_ARGUMENT', 'streamName is required when endPoint does not name the stream');
    }
    const base = url.pathname.replace(/\/+$/, '');
    // A path that already ends with the protocol segment (`https://host/whep`) only lacks the name.
    const prefix = /\/(?:webrtc|whip|whep)$/.test(base) ? base : `${base}/${segment}`;
    url.pathname = `${prefix}/${encodeURIComponent(streamName)}`;
    return streamName;
}
