import { buildHttpUrl, buildWebSocketUrl, transportOf } from '../core/endpoint';
import type { ConnectParams, FetchFunction } from '../core/types';
import { sortRenditions, type Rendition } from '../policy/MultiBitrate';

/**
 * The stream-info URL of MistServer-compatible servers: `http(s)://host[:port]/json_<stream>.js`,
 * on the same host and port as the signaling endpoint.
 */
export function streamInfoUrl(params: ConnectParams): string {
    const built = transportOf(params.endPoint) === 'http' ? buildHttpUrl(params, false) : buildWebSocketUrl(params);
    const url = new URL(built.url);
    url.protocol = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
    url.search = '';
    url.hash = '';
    const prefix = url.pathname.replace(/\/(?:webrtc|whip|whep)\/[^/]*\/?$/, '');
    url.pathname = `${prefix}/json_${encodeURIComponent(built.streamName)}.js`;
    return url.toString();
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Video renditions from a MistServer-style stream info document
 * (`{ meta: { tracks: { name: { idx, type, width, height, bps } } } }`), lightest first (by
 * resolution, else bitrate). Tracks with neither yet are left out; unknown shapes give an empty list.
 */
export function parseRenditions(info: unknown): Rendition[] {
    const tracks = isObject(info) && isObject(info.meta) && isObject(info.meta.tracks) ? info.meta.tracks : undefined;
    if (!tracks) return [];
    const out: Rendition[] = [];
    for (const value of Object.values(tracks)) {
        if (!isObject(value) || value.type !== 'video') continue;
        const track = num(value.idx) ?? num(value.trackid);
        const bps = num(value.bps);
        const rendition = { track, bitrate: bps && bps * 8, width: num(value.width), height: num(value.height) };
        // A track the server knows neither the size nor the bitrate of yet cannot be ranked: left out.
        if (track !== undefined && (rendition.bitrate || (rendition.width && rendition.height))) {
            out.push({ ...rendition, track });
        }
    }
    return sortRenditions(out);
}

/** Fetches the stream's renditions; rejects when the server offers no stream info. */
export async function fetchRenditions(params: ConnectParams, fetchFn?: FetchFunction): Promise<Rendition[]> {
    const f = fetchFn ?? (globalThis as { fetch?: FetchFunction }).fetch;
    if (!f) return [];
    const response = await f(streamInfoUrl(params), { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`stream info: HTTP ${response.status}`);
    // MistServer may wrap the JSON in a callback when asked; a plain request returns JSON.
    const text = await response.text();
    return parseRenditions(JSON.parse(text.replace(/^[^{]*|[^}]*$/g, '')));
}
