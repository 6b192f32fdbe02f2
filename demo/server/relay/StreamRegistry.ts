/** The streams by name, and the settings every session of the relay shares. */
import type { Log } from '../log.ts';
import type { RelayHooks } from './hooks.ts';
import type { Session } from './Session.ts';
import { Stream } from './Stream.ts';

export interface RelayConfig {
    /** how long a play session waits for a publisher before giving up */
    playWaitMs: number;
    /** server-side keyframe request interval bounding the cached GOP (0 = never) */
    keyframeIntervalMs: number;
    /** REMB value before any `video_bitrate` command */
    defaultVideoBitrate: number;
    /** a connected peer silent (no STUN, RTP or RTCP) this long is gone; also the connect timeout */
    peerTimeoutMs: number;
    /** where packets may be lost on purpose (the fault switch); {@link LOSSLESS} otherwise */
    hooks: RelayHooks;
    log: Log;
}

export class StreamRegistry {
    readonly streams = new Map<string, Stream>();
    /** every open session, whatever its signaling (they add and remove themselves) */
    readonly sessions = new Set<Session>();

    constructor(readonly config: RelayConfig) {}

    get(name: string): Stream {
        let s = this.streams.get(name);
        if (!s) {
            s = new Stream(name);
            this.streams.set(name, s);
        }
        return s;
    }

    /** Forgets a stream nobody uses (no publisher, no player, no data WebSocket). */
    release(s: Stream): void {
        const unused = !s.publisher && !s.players.size && !s.dataSinks.size;
        if (unused && this.streams.get(s.name) === s) this.streams.delete(s.name);
    }

    /** Ends every session (server shutdown). */
    closeAll(): void {
        for (const s of [...this.sessions]) s.close();
    }

    /** What GET /streams lists: the streams in use. */
    list() {
        return [...this.streams.values()].filter((s) => s.publisher || s.players.size).map((s) => s.info());
    }
}
