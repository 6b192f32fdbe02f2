import { finite, isTrackIndex } from '../core/numbers';
import { sortRenditions, type Rendition } from '../policy/MultiBitrate';

/** What a track carries: sound, pictures, or timed data (MistServer's `meta` tracks: JSON, subtitles). */
export type TrackKind = 'audio' | 'video' | 'data';

/**
 * One track of a stream, as its metadata document describes it (validated: every field present
 * has the type and range written here).
 */
export interface MetadataTrack {
    /** The track index to ask the server for (`videoTrack`, `setTracks`, `dataTracks`). */
    readonly index: number;
    /** What it carries (MistServer's `type`; `meta` reads as `data`). */
    readonly kind: TrackKind;
    /** The codec as the server names it: `H264`, `VP8`, `opus`, `AAC`, `JSON`, `subtitle` … */
    readonly codec: string;
    /** The track's key in the document (`video_H264_1280x720_25fps_1`). */
    readonly name: string;
    /** Average bitrate, bits per second (the document's `bps`, bytes per second, × 8). */
    readonly bps?: number;
    /** Peak bitrate, bits per second (the document's `maxbps` × 8). */
    readonly maxbps?: number;
    /** Frame width, pixels (video). */
    readonly width?: number;
    /** Frame height, pixels (video). */
    readonly height?: number;
    /** Frames per second (video; MistServer's `fpks` / 1000). */
    readonly fps?: number;
    /** Audio channels. */
    readonly channels?: number;
    /** Audio sample rate, Hz. */
    readonly rate?: number;
    /** Language code (`lang`), when the server says. */
    readonly language?: string;
}

/** How much of a document {@link Metadata.from} reads at most. */
export interface MetadataLimits {
    /** Tracks kept (default 256); the entries after that many valid ones are not read. */
    maxTracks?: number;
}

/** Default of {@link MetadataLimits.maxTracks}: more than any real stream has (MistServer streams have a handful). */
export const MAX_METADATA_TRACKS = 256;

/** Longest codec or language name read: anything longer is no codec name. */
const MAX_NAME_LENGTH = 64;

/** Largest frame side read, pixels. */
const MAX_PIXELS = 65_535;

type Fields = Record<string, unknown>;

/** A plain object (no array, no null). */
function isObject(value: unknown): value is Fields {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A finite number `>= 0`, or `undefined`. */
function measure(value: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const n = finite(value);
    return n !== undefined && n >= 0 && n <= max ? n : undefined;
}

/** A non-empty string of at most 64 characters, or `undefined`. */
function shortName(value: unknown): string | undefined {
    return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH ? value : undefined;
}

const KINDS: Readonly<Record<string, TrackKind>> = { audio: 'audio', video: 'video', meta: 'data', data: 'data' };

/**
 * One entry of `meta.tracks`, validated, or `undefined` when it is no track: no object, an index
 * (`idx`, else `trackid`) that is not an integer from 0 to 2^31 − 1, an unknown `type`, or no
 * codec name. Optional fields of the wrong type or range are left out.
 */
function readTrack(name: string, entry: unknown): MetadataTrack | undefined {
    if (!isObject(entry)) return undefined;
    const index = entry.idx ?? entry.trackid;
    const kind = typeof entry.type === 'string' ? KINDS[entry.type] : undefined;
    const codec = shortName(entry.codec);
    if (!isTrackIndex(index) || !kind || !codec) return undefined;
    const bytesPerSecond = measure(entry.bps);
    const peak = measure(entry.maxbps);
    const fpks = measure(entry.fpks);
    const track: { -readonly [K in keyof MetadataTrack]: MetadataTrack[K] } = { index, kind, codec, name };
    if (bytesPerSecond !== undefined) track.bps = bytesPerSecond * 8;
    if (peak !== undefined) track.maxbps = peak * 8;
    const width = measure(entry.width, MAX_PIXELS);
    const height = measure(entry.height, MAX_PIXELS);
    if (width && height) {
        track.width = width;
        track.height = height;
    }
    const fps = fpks !== undefined ? fpks / 1000 : measure(entry.fps);
    if (fps) track.fps = fps;
    const channels = measure(entry.channels);
    if (channels) track.channels = channels;
    const rate = measure(entry.rate);
    if (rate) track.rate = rate;
    const language = shortName(entry.lang) ?? shortName(entry.language);
    if (language) track.language = language;
    return track;
}

/** A video track as a multi-bitrate rendition (only the fields it has). */
function toRendition(track: MetadataTrack): Rendition {
    const rendition: Rendition = { track: track.index };
    if (track.bps !== undefined) rendition.bitrate = track.bps;
    if (track.width !== undefined && track.height !== undefined) {
        rendition.width = track.width;
        rendition.height = track.height;
    }
    return rendition;
}

/** Lightest first: by bitrate (unknown first), then by index. */
function byBitrate(a: MetadataTrack, b: MetadataTrack): number {
    return (a.bps ?? 0) - (b.bps ?? 0) || a.index - b.index;
}

/**
 * A stream's description, as MistServer's `json_<stream>.js` document gives it (read through
 * {@link StreamMetadata} or {@link Metadata.from}): its tracks by index, and the audio, video and
 * data tracks each sorted by bitrate, lightest first. Immutable: a new document is a new
 * `Metadata`, whose lists are sorted once, when it is made.
 *
 * Reading a document is bounded: at most `maxTracks` (256) tracks are read, entries that are no
 * valid track (a non-integer, negative or huge index, an unknown type, no codec) are dropped, and
 * a second entry with an index already seen is ignored. Such a document costs what a sane one does.
 *
 * @example
 * ```ts
 * const metadata = Metadata.from(await (await fetch('https://media.example.com/json_live.js')).json());
 * for (const video of metadata.videos) console.log(video.index, `${video.width}x${video.height}`, video.bps);
 * const playable = metadata.subset(['H264', 'opus']);
 * ```
 */
export class Metadata {
    /** `'live'` or `'vod'`, as the document says (`undefined` when it does not). */
    readonly type: string | undefined;
    /** Every track, by index. */
    readonly tracks: ReadonlyMap<number, MetadataTrack>;
    /** Audio tracks, lightest first. */
    readonly audios: readonly MetadataTrack[];
    /** Video tracks, lightest first. */
    readonly videos: readonly MetadataTrack[];
    /** Data tracks (JSON, subtitles), by bitrate then index. */
    readonly datas: readonly MetadataTrack[];
    /** Track entries of the document that were not kept (invalid, duplicate, or beyond `maxTracks`). */
    readonly dropped: number;
    private _renditions: readonly Rendition[] | undefined;

    /**
     * @param tracks - validated tracks (see {@link Metadata.from} for a document); the first of
     *   each index is kept.
     * @param type - the stream type (`'live'`, `'vod'`).
     * @param dropped - how many entries the reader left out.
     */
    constructor(tracks: Iterable<MetadataTrack>, type?: string, dropped = 0) {
        const byIndex = new Map<number, MetadataTrack>();
        let duplicates = 0;
        for (const track of tracks) {
            if (byIndex.has(track.index)) duplicates++;
            else byIndex.set(track.index, track);
        }
        this.tracks = byIndex;
        this.type = type;
        this.dropped = dropped + duplicates;
        const all = [...byIndex.values()];
        this.audios = Object.freeze(all.filter((t) => t.kind === 'audio').sort(byBitrate));
        this.videos = Object.freeze(all.filter((t) => t.kind === 'video').sort(byBitrate));
        this.datas = Object.freeze(all.filter((t) => t.kind === 'data').sort(byBitrate));
    }

    /**
     * Reads a parsed document (`{ type, meta: { tracks: { name: { idx, type, codec, bps … } } } }`);
     * anything else reads as a stream without tracks. Never throws.
     *
     * @example
     * ```ts
     * const metadata = Metadata.from(JSON.parse(text), { maxTracks: 32 });
     * ```
     */
    static from(document: unknown, limits: MetadataLimits = {}): Metadata {
        const doc = isObject(document) ? document : {};
        const meta = isObject(doc.meta) ? doc.meta : {};
        const entries = isObject(meta.tracks) ? meta.tracks : {};
        const max = Math.max(0, Math.floor(limits.maxTracks ?? MAX_METADATA_TRACKS));
        const names = Object.keys(entries);
        const tracks: MetadataTrack[] = [];
        const seen = new Set<number>();
        // The entries after `max` valid ones are not read at all.
        for (const name of names) {
            if (tracks.length >= max) break;
            const track = readTrack(name, entries[name]);
            if (!track || seen.has(track.index)) continue;
            seen.add(track.index);
            tracks.push(track);
        }
        return new Metadata(tracks, shortName(doc.type), names.length - tracks.length);
    }

    /** The track `index`, if the stream has it. */
    track(index: number): MetadataTrack | undefined {
        return this.tracks.get(index);
    }

    /**
     * The same stream with only the audio and video tracks whose codec is in `codecs` (case does
     * not matter): what a browser, or a session that negotiated them, can decode. Data tracks are
     * kept.
     *
     * @example
     * ```ts
     * const decodable = metadata.subset(player.connector?.codecs ?? []); // e.g. {'OPUS', 'VP8'}
     * ```
     */
    subset(codecs: Iterable<string>): Metadata {
        const wanted = new Set([...codecs].map((c) => c.toLowerCase()));
        const kept = [...this.tracks.values()].filter((t) => t.kind === 'data' || wanted.has(t.codec.toLowerCase()));
        return new Metadata(kept, this.type, this.dropped);
    }

    /**
     * The video tracks as renditions for multi-bitrate, lightest first (by resolution when every
     * one has it, else by bitrate: the order {@link MultiBitrate} ranks them in); tracks with
     * neither a size nor a bitrate yet cannot be ranked and are left out. Computed once per
     * `Metadata`.
     */
    get renditions(): readonly Rendition[] {
        this._renditions ??= Object.freeze(
            sortRenditions(this.videos.filter((t) => t.bps || t.width).map(toRendition)),
        );
        return this._renditions;
    }
}
