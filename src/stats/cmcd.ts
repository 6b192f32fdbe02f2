import type { PlayerStats } from '../policy/QualityScore';

/**
 * Common Media Client Data (CTA-5004) from the Player's statistics: the keys an analytics pipeline
 * or a CDN log expects. Values follow the specification's units and rounding.
 */
export interface CmcdData {
    /** Encoded bitrate of the rendition playing, kbps (`br`). */
    br?: number;
    /** Buffer length, ms, rounded to 100 ms (`bl`): the jitter-buffer delay. */
    bl?: number;
    /** Measured throughput, kbps, rounded to 100 kbps (`mtp`). */
    mtp?: number;
    /** Buffer starvation since the last report (`bs`): playback stalled. */
    bs?: boolean;
    /** Playback rate, when not 1 (`pr`). */
    pr?: number;
    /** Session id (`sid`). */
    sid?: string;
    /** Content id (`cid`): the stream name by default. */
    cid?: string;
    /** Stream type (`st`): `'l'`, live. */
    st: 'l';
    /** Streaming format (`sf`): `'o'`, other (WebRTC is none of HLS, DASH, Smooth). */
    sf: 'o';
    /** Object type (`ot`): `'av'`, audio and video together. */
    ot: 'av';
}

/** What {@link toCmcd} adds to the statistics. */
export interface CmcdOptions {
    /** A session id shared by every report of one playback (e.g. a UUID). */
    sessionId?: string;
    /** The content id: the stream name. */
    contentId?: string;
    /** Whether a stall happened since the previous report (default: `stats.buffering`). */
    starved?: boolean;
}

/**
 * The CMCD keys of one stats sample.
 *
 * @example
 * ```ts
 * const sessionId = crypto.randomUUID();
 * player.on('stats', (stats) => {
 *     const cmcd = toCmcd(stats, { sessionId, contentId: 'live+cam1' });
 *     navigator.sendBeacon(`/qoe?CMCD=${encodeURIComponent(formatCmcd(cmcd))}`);
 * });
 * ```
 */
export function toCmcd(stats: PlayerStats, options: CmcdOptions = {}): CmcdData {
    const data: CmcdData = { st: 'l', sf: 'o', ot: 'av' };
    if (stats.videoBitrate > 0) data.br = Math.round(stats.videoBitrate / 1000);
    data.bl = Math.round(stats.jitterBufferMs / 100) * 100;
    if (stats.bitrate > 0) data.mtp = Math.round(stats.bitrate / 100_000) * 100;
    if (options.starved ?? stats.buffering) data.bs = true;
    if (typeof stats.playbackRate === 'number' && stats.playbackRate !== 1) data.pr = stats.playbackRate;
    if (options.sessionId) data.sid = options.sessionId;
    if (options.contentId) data.cid = options.contentId;
    return data;
}

/**
 * CMCD data as the specification writes it (a query parameter's or a header's value): keys in
 * alphabetical order, `key=value` pairs separated by commas, strings quoted, a true boolean as its
 * key alone.
 *
 * @example
 * ```ts
 * formatCmcd({ br: 1800, bs: true, cid: 'cam1', st: 'l', sf: 'o', ot: 'av' });
 * // 'br=1800,bs,cid="cam1",ot=av,sf=o,st=l'
 * ```
 */
export function formatCmcd(data: CmcdData): string {
    // Token values (st, sf, ot) are unquoted; free strings (sid, cid) are quoted.
    const tokens = new Set(['st', 'sf', 'ot']);
    return Object.entries(data)
        .filter(([, value]) => value !== undefined && value !== false)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, value]) => {
            if (value === true) return key;
            if (typeof value === 'string' && !tokens.has(key)) return `${key}=${JSON.stringify(value)}`;
            return `${key}=${value}`;
        })
        .join(',');
}
