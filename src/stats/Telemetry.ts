import type { ListenOptions } from '../core/Emitter';
import { createLogger, type LogLevel, type Logger } from '../core/logger';
import { nonNegative } from '../core/numbers';
import type { FetchFunction, WebSocketConstructor } from '../core/types';
import { RtcError } from '../core/RtcError';
import type { PlayerStats, StreamerStats } from '../policy/QualityScore';

/** Anything that emits `stats`: a {@link Player} or a {@link Streamer}. */
export interface StatsSource<S> {
    /** Subscribes to the statistics, about once a second. */
    on(event: 'stats', listener: (stats: S) => void, options?: ListenOptions): unknown;
}

/** Options of {@link Telemetry}. */
export interface TelemetryOptions {
    /**
     * Where to report: an `http(s)://` URL gets each batch as a `POST` of JSON, a `ws(s)://` URL
     * one JSON message per batch over a WebSocket it keeps open.
     */
    url: string;
    /** How often a batch goes out, ms (default 10000). */
    intervalMs?: number;
    /** Most samples kept while the reporting endpoint is slow or down; the oldest go first (default 60). */
    maxQueue?: number;
    /** Fields of the app added to every batch (a user or session id …), read when the batch goes. */
    fields?: () => Record<string, unknown>;
    /** fetch implementation (default: the global). */
    fetch?: FetchFunction;
    /** WebSocket implementation (default: the global). */
    WebSocket?: WebSocketConstructor;
    /** Log sink (default: `console`). */
    logger?: Logger;
    /** Minimum level logged (default `'warn'`). */
    logLevel?: LogLevel;
}

/** One report: the samples since the previous one. */
export interface TelemetryBatch<S> {
    /** When it was sent (`Date.now()`). */
    sentAt: number;
    /** Samples dropped since the previous batch because the queue was full. */
    dropped: number;
    /** The statistics, oldest first. */
    samples: S[];
    /** The app's fields (see {@link TelemetryOptions.fields}). */
    [field: string]: unknown;
}

/**
 * Reports a Player's or a Streamer's statistics to an analytics endpoint, in batches, without ever
 * holding playback up: the stats listener only queues the sample; batches go out on a timer, one
 * request at a time; a failed batch is kept for the next one; the queue is bounded (the oldest
 * samples are dropped, and counted).
 *
 * @example
 * ```ts
 * const telemetry = new Telemetry(player, {
 *     url: 'https://qoe.example.com/rtcwire',
 *     fields: () => ({ viewer: viewerId, stream: 'live+cam1' }),
 * });
 * // later
 * telemetry.close();
 * ```
 */
export class Telemetry<S extends object = PlayerStats | StreamerStats> {
    private readonly _options: TelemetryOptions;
    private readonly _log: Logger;
    private readonly _abort = new AbortController();
    private readonly _timer: ReturnType<typeof setInterval>;
    private _queue: S[] = [];
    private _dropped = 0;
    /** The batch on its way, if any: one at a time. */
    private _sending: Promise<void> | undefined;
    private _socket: WebSocket | undefined;
    private _closed = false;

    /**
     * Starts reporting `source`'s statistics. Throws `INVALID_ARGUMENT` for a URL that is neither
     * `http(s)://` nor `ws(s)://`.
     */
    constructor(source: StatsSource<S>, options: TelemetryOptions) {
        if (!/^(https?|wss?):\/\//i.test(options?.url ?? '')) {
            throw new RtcError(
                'INVALID_ARGUMENT',
                `Telemetry: the url must be http(s):// or ws(s)://, got '${options?.url}'`,
            );
        }
        this._options = options;
        this._log = createLogger('telemetry', options.logLevel, options.logger);
        source.on('stats', (stats) => this._add(stats), { signal: this._abort.signal });
        this._timer = setInterval(() => void this.flush(), nonNegative(options.intervalMs, 10_000) || 10_000);
    }

    /** Samples waiting to be sent. */
    get pending(): number {
        return this._queue.length;
    }

    /** Sends the samples waiting now (after a batch on its way). Never rejects. */
    flush(): Promise<void> {
        if (this._closed) return Promise.resolve();
        this._sending ??= this._send().finally(() => (this._sending = undefined));
        return this._sending;
    }

    /** Stops reporting: nothing more is sent; the subscription, the timer and the socket are released. */
    close(): void {
        if (this._closed) return;
        this._closed = true;
        this._abort.abort();
        clearInterval(this._timer);
        this._socket?.close();
        this._socket = undefined;
        this._queue = [];
    }

    private _add(stats: S): void {
        this._queue.push(stats);
        const max = Math.max(1, nonNegative(this._options.maxQueue, 60));
        const excess = this._queue.length - max;
        if (excess > 0) {
            this._queue.splice(0, excess);
            this._dropped += excess;
        }
    }

    private async _send(): Promise<void> {
        if (!this._queue.length) return;
        const samples = this._queue;
        const dropped = this._dropped;
        this._queue = [];
        this._dropped = 0;
        const batch: TelemetryBatch<S> = { ...this._options.fields?.(), sentAt: Date.now(), dropped, samples };
        let sent = false;
        try {
            sent = /^wss?:/i.test(this._options.url) ? this._sendOnSocket(batch) : await this._post(batch);
        } catch (error) {
            this._log.debug('report failed', { error });
        }
        if (sent || this._closed) return;
        // Kept for the next batch, in order, within the bound (the newest win).
        this._dropped += dropped;
        const kept = [...samples, ...this._queue];
        this._queue = [];
        for (const sample of kept) this._add(sample);
    }

    private async _post(batch: TelemetryBatch<S>): Promise<boolean> {
        const fetchImpl = this._options.fetch ?? globalThis.fetch;
        // keepalive: a batch sent as the page goes away still arrives.
        const response = await fetchImpl(this._options.url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(batch),
            keepalive: true,
        });
        if (!response.ok) this._log.debug(`report answered HTTP ${response.status}`);
        return response.ok;
    }

    /** Sends on the socket when it is open; opens it otherwise (the batch waits for the next turn). */
    private _sendOnSocket(batch: TelemetryBatch<S>): boolean {
        const socket = this._socket;
        if (socket?.readyState === 1) {
            socket.send(JSON.stringify(batch));
            return true;
        }
        if (!socket || socket.readyState > 1) this._openSocket();
        return false;
    }

    private _openSocket(): void {
        const WebSocketImpl = this._options.WebSocket ?? globalThis.WebSocket;
        const socket = (this._socket = new WebSocketImpl(this._options.url));
        // An open socket sends what waits at once; a closed one is opened again at the next batch.
        socket.onopen = () => void this.flush();
        socket.onerror = socket.onclose = () => {
            if (this._socket === socket) this._socket = undefined;
        };
    }
}
