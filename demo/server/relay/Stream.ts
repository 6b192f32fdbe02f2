/**
 * A stream name and who is on it: at most one publisher (and its tracks), any number of players,
 * and the plays waiting for a publisher to appear.
 */
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
    readonly players = new Set<PlaySession>();
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

    /** live time in ms since the publisher started */
    get current(): number {
        return this.publisher ? Date.now() - this.beginAt : 0;
    }

    /**
     * Stream info in MistServer's `json_<stream>.js` shape (what players of MistServer-compatible
     * servers read to list renditions): `meta.tracks` keyed by name, `idx`, `type`, `codec`,
     * `width`/`height`, `bps` in bytes per second.
     */
    mistInfo() {
        if (!this.publisher) return OFFLINE;
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
        return { type: 'live', meta: { live: 1, tracks } };
    }

    info() {
        return {
            name: this.name,
            publisher: !!this.publisher,
            players: this.players.size,
            uptimeMs: this.current,
            tracks: this.tracks.map((t) => t.info()),
        };
    }
}

/** MistServer's answer for a stream nobody publishes. */
export const OFFLINE = { error: 'Stream is offline', on_error: 'Stream is offline' };
