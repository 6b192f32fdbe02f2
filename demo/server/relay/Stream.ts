/**
 * A stream name and who is on it: at most one publisher (and its tracks, media and data), any
 * number of players, the plays waiting for a publisher to appear, and the data WebSockets
 * following its timed data.
 */
import { DataTrack, type TimedItem } from './DataTrack.ts';
import type { PlaySession } from './PlaySession.ts';
import type { PublishSession } from './PublishSession.ts';
import type { Track } from './Track.ts';

/** A play waiting for its publisher gives up when this is aborted. */
export interface WaitSignal {
    aborted: boolean;
    onAbort?: () => void;
}

export class Stream {
    publisher?: PublishSession;
    tracks: Track[] = [];
    /** the publisher's data tracks (one per data channel it opened) */
    dataTracks: DataTrack[] = [];
    readonly players = new Set<PlaySession>();
    /** the data WebSockets (`/<stream>.json`) following the stream's timed data */
    readonly dataSinks = new Set<(item: TimedItem) => void>();
    private readonly waiters = new Set<() => void>();
    beginAt = Date.now();

    constructor(readonly name: string) {}

    get audio(): Track | undefined {
        return this.tracks.find((t) => t.kind === 'audio');
    }

    get videos(): Track[] {
        return this.tracks.filter((t) => t.kind === 'video');
    }

    /** Resolves true when a publisher is present (now or within `ms`), false on timeout or abort. */
    waitPublisher(ms: number, signal: WaitSignal): Promise<boolean> {
        if (this.publisher) return Promise.resolve(true);
        return new Promise((resolve) => {
            const done = (v: boolean) => {
                clearTimeout(timer);
                this.waiters.delete(wake);
                resolve(v);
            };
            const wake = () => done(!!this.publisher);
            const timer = setTimeout(() => done(false), ms);
            this.waiters.add(wake);
            signal.onAbort = () => done(false);
        });
    }

    setPublisher(p: PublishSession | undefined): void {
        this.publisher = p;
        if (p) {
            this.beginAt = Date.now();
            for (const w of [...this.waiters]) w();
        }
    }

    /** A new data track, numbered after every track of the publisher. */
    addDataTrack(): DataTrack {
        const indices = [...this.tracks, ...this.dataTracks].map((t) => t.index);
        const track = new DataTrack(Math.max(-1, ...indices) + 1);
        this.dataTracks.push(track);
        return track;
    }

    /** Relays one item of `track` to the players and the data WebSockets, stamped with the media time. */
    publishData(track: DataTrack, data: unknown): void {
        const item: TimedItem = { data, time: this.current, track: track.index };
        for (const player of this.players) player.onData(item);
        for (const sink of this.dataSinks) sink(item);
    }

    /** live time in ms since the publisher started */
    get current(): number {
        return this.publisher ? Date.now() - this.beginAt : 0;
    }

    /**
     * Stream info in MistServer's `json_<stream>.js` shape (what players of MistServer-compatible
     * servers read to list renditions): `meta.tracks` keyed by name, `idx`, `type`, `codec`,
     * `width`/`height`, `bps` in bytes per second; data tracks as `type: 'meta'`. Without a
     * publisher, MistServer's offline answer; with one that sent nothing yet, its "waiting for data".
     */
    mistInfo() {
        if (!this.publisher) return OFFLINE;
        if (!this.tracks.some((t) => t.stats.packets > 0)) return WAITING_FOR_DATA;
        const tracks: Record<string, Record<string, unknown>> = {};
        for (const t of this.tracks) {
            if (t.dropped) continue;
            tracks[`${t.kind}_${t.codec.name}_${t.index}`] = {
                idx: t.index,
                trackid: t.index,
                type: t.kind,
                codec: t.codec.name,
                ...(t.width ? { width: t.width, height: t.height } : {}),
                ...(t.stats.bitrate > 0 ? { bps: Math.round(t.stats.bitrate / 8) } : {}),
                ...(t.rid ? { rid: t.rid } : {}),
            };
        }
        for (const t of this.dataTracks) {
            tracks[`meta_${t.codec}_${t.index}`] = { idx: t.index, trackid: t.index, type: 'meta', codec: t.codec };
        }
        return { type: 'live', meta: { live: 1, tracks } };
    }

    info() {
        return {
            name: this.name,
            publisher: !!this.publisher,
            players: this.players.size,
            uptimeMs: this.current,
            /** ICE restarts the stream's current sessions went through (WHIP/WHEP `PATCH`) */
            iceRestarts: {
                publish: this.publisher?.iceRestarts ?? 0,
                play: [...this.players].reduce((sum, p) => sum + p.iceRestarts, 0),
            },
            tracks: [...this.tracks.map((t) => t.info()), ...this.dataTracks.map((t) => t.info())],
        };
    }
}

/** MistServer's answer for a stream nobody publishes. */
export const OFFLINE = { error: 'Stream is offline', on_error: 'Stream is offline' };

/** MistServer's answer for a stream whose source started but sent nothing yet. */
export const WAITING_FOR_DATA = { error: 'Stream is waiting for data', on_error: 'Stream is waiting for data' };
