/**
 * MistServer's metadata WebSocket, `/json_<stream>.js` upgraded: the stream's document (the same
 * JSON as `GET /json_<stream>.js`) on connect, and again whenever it changes — its state (offline,
 * waiting for data, live), its tracks (a layer whose size becomes known, a dropped layer, a data
 * track) — and when a bitrate moved by half an octave, at most every 5 s. Nothing the client sends
 * is read. The stream is looked up by name at each check: a socket opened before anyone publishes
 * sees the publisher come.
 */
import type { WebSocket } from 'ws';
import type { Log } from '../log.ts';
import { OFFLINE, type Stream } from '../relay/Stream.ts';
import type { StreamRegistry } from '../relay/StreamRegistry.ts';

/** How often the document is checked for a change, ms. */
export const METADATA_CHECK_MS = 500;

/** A bitrate-only change is pushed at most this often, ms. */
const RATE_PUSH_MS = 5000;

/** The document's keys that carry a measured rate (the rest is its shape). */
const RATE_KEYS = new Set(['bps', 'maxbps']);

export class MetadataSocket {
    private timer?: ReturnType<typeof setInterval>;
    private shape = '';
    private rates = '';
    private pushedAt = 0;

    constructor(
        private readonly registry: StreamRegistry,
        private readonly ws: WebSocket,
        private readonly stream: string,
        private readonly log: Log,
    ) {}

    start(): void {
        this.ws.on('error', (e) => this.log('debug', `metadata socket error on ${this.stream}`, e));
        this.ws.on('close', () => clearInterval(this.timer));
        this.check();
        this.timer = setInterval(() => this.check(), METADATA_CHECK_MS);
    }

    /** Pushes the document when its shape changed, or its rates moved (not more often than every 5 s). */
    private check(): void {
        try {
            const doc = this.registry.streams.get(this.stream)?.mistInfo() ?? OFFLINE;
            const shape = JSON.stringify(doc, (key, value: unknown) => (RATE_KEYS.has(key) ? undefined : value));
            const rates = rateBuckets(doc);
            const now = Date.now();
            const shapeChanged = shape !== this.shape;
            const ratesChanged = rates !== this.rates && now - this.pushedAt >= RATE_PUSH_MS;
            if (!shapeChanged && !ratesChanged) return;
            this.shape = shape;
            this.rates = rates;
            this.pushedAt = now;
            if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(doc));
        } catch (e) {
            this.log('error', `metadata of ${this.stream} failed`, e);
        }
    }
}

/** Each track's bitrate as a half-octave bucket: a change of bucket is a change worth pushing. */
function rateBuckets(doc: ReturnType<Stream['mistInfo']>): string {
    const tracks = 'meta' in doc ? Object.entries(doc.meta.tracks) : [];
    const bucket = (bps: unknown) => (typeof bps === 'number' && bps > 0 ? Math.round(Math.log2(bps) * 2) : 0);
    return tracks.map(([name, t]) => `${name}:${bucket(t.bps)}`).join(',');
}
