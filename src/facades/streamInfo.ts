import { buildHttpUrl } from '../core/endpoint';
import { finite } from '../core/numbers';
import type { ConnectParams, FetchFunction } from '../core/types';
import { sortRenditions, type Rendition } from '../policy/MultiBitrate';

/**
 * The stream-info URL of MistServer-compatible servers: `http(s)://host[:port][/prefix]/json_<stream>.js`,
 * on the same host and port as the signaling endpoint. A path that ends with
 * `/webrtc|whip|whep/<name>` keeps what comes before it (a server behind a path prefix); any other
 * path is not MistServer's, and the document is looked up at the root.
 */
export function streamInfoUrl(params: ConnectParams): string {
    const { url, streamName } = buildHttpUrl(params, false);
    const target = new URL(url);
    const prefix = /^(.*)\/(?:webrtc|whip|whep)\/[^/]+\/*$/.exec(target.pathname)?.[1] ?? '';
    target.pathname = `${prefix}/json_${encodeURIComponent(streamName)}.js`;
    // The signaling query (track choices, tokens) belongs to the session, not to the document.
    target.search = '';
    target.hash = '';
    return target.href;
}

type Json = { [key: string]: unknown } | null | undefined;

/**
 * Video renditions from a MistServer-style stream info document
 * (`{ meta: { tracks: { name: { idx, type, width, height, bps } } } }`), lightest first (by
 * resolution, else bitrate). Tracks with neither yet are left out; unknown shapes give an empty list.
 */
export function parseRenditions(info: unknown): Rendition[] {
    const out: Rendition[] = [];
    for (const value of Object.values((info as { meta?: Json } | null)?.meta?.tracks ?? {}) as Json[]) {
        const bps = finite(value?.bps);
        const rendition = {
            track: finite(value?.idx) ?? finite(value?.trackid),
            bitrate: bps && bps * 8,
            width: finite(value?.width),
            height: finite(value?.height),
        };
        // A track the server knows neither the size nor the bitrate of yet cannot be ranked: left
        // out (and one without a track index by sortRenditions).
        if (value?.type === 'video' && (rendition.bitrate || (rendition.width && rendition.height))) {
            out.push(rendition as Rendition);
        }
    }
    return sortRenditions(out);
}

/**
 * Fetches the stream's renditions (with `fetchFn`, else the global `fetch`); rejects when the
 * server offers no stream info (an error page is no JSON).
 */
export const fetchRenditions = (params: ConnectParams, fetchFn: FetchFunction = fetch): Promise<Rendition[]> =>
    // MistServer wraps the JSON in a callback only when asked to (`?callback=`): plain JSON here.
    fetchFn(streamInfoUrl(params))
        .then((response) => response.json())
        .then(parseRenditions);
