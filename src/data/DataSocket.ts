import { Emitter, type EventHandlers, type EventMap } from '../core/Emitter';
import { DEFAULT_TOKEN_PARAM, streamResourceUrl } from '../core/endpoint';
import { redact } from '../core/redact';
import { createLogger, type LogLevel, type Logger } from '../core/logger';
import { isTrackIndex } from '../core/numbers';
import { RtcError } from '../core/RtcError';
import { closeQuietly } from '../core/sockets';
import type { ConnectParams, WebSocketConstructor } from '../core/types';
import type { BackoffOptions } from '../policy/backoff';
import { Retrier } from '../policy/Retrier';
import { readTimedData } from './timedData';

/** Options of {@link DataSocket}. */
export interface DataSocketOptions {
    /** WebSocket implementation (default: `globalThis.WebSocket`). */
    WebSocket?: WebSocketConstructor;
    /** The query parameter that carries `params.accessToken` (default `tkn`, as the signaling's). */
    tokenParam?: string;
    /** The delays between attempts after a loss (default from 250 ms up to 10 s, for ever). */
    reconnect?: BackoffOptions;
    /** Log sink (default: `console`). */
    logger?: Logger;
    /** Minimum level logged (default `'warn'`). */
    logLevel?: LogLevel;
}

/**
 * Events of {@link DataSocket}. Subscribe with `socket.on('data', fn)` or set the matching property
 * handler (`socket.onData = fn`).
 */
export interface DataSocketEvents extends EventMap {
    /**
     * One item of timed data: `time` in the media's clock (ms), its data track, the item, and a
     * subtitle's `duration` (ms).
     *
     * @example
     * ```ts
     * socket.on('data', (time, track, data) => console.log(time, track, data));
     * ```
     */
    data: [time: number, track: number, data: unknown, duration?: number];
}

/**
 * The timed data of a stream from MistServer's data WebSocket, `ws(s)://host/<stream>.json`,
 * for servers whose WebRTC sessions have no data channel: it asks for `tracks` (`{ type:
 * 'tracks', tracks: '1,2' }`) and emits each item as `data`. A lost socket is reopened by itself,
 * with backoff, until {@link close}; bad frames are logged and dropped. The {@link Player} uses it
 * by itself where its session has no data channel.
 *
 * @example
 * ```ts
 * const socket = new DataSocket({ endPoint: 'media.example.com', streamName: 'live' }, [3]);
 * socket.on('data', (time, track, data) => subtitles.add(time, data));
 * // later
 * socket.close();
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface only types property handlers
export class DataSocket extends Emitter<DataSocketEvents> {
    /** The data WebSocket URL. */
    readonly url: string;
    private readonly _options: DataSocketOptions;
    /** Redacted from what is logged. */
    private readonly _accessToken: string | undefined;
    private _tracks: readonly number[];
    private _socket: WebSocket | undefined;
    private readonly _retrier: Retrier;
    private _closed = false;

    /**
     * Opens the socket (a microtask later) for the data `tracks`, with `params.accessToken` as a
     * query parameter (the data is what a player of the stream gets). Throws `INVALID_ARGUMENT`
     * synchronously when `params` cannot name a stream or `tracks` is no list of track indices.
     */
    constructor(params: ConnectParams, tracks: readonly number[], options: DataSocketOptions = {}) {
        super();
        const url = new URL(streamResourceUrl(params, (name) => `${name}.json`, 'ws'));
        if (params.accessToken) url.searchParams.set(options.tokenParam ?? DEFAULT_TOKEN_PARAM, params.accessToken);
        this.url = url.href;
        this._accessToken = params.accessToken;
        this._tracks = checkTracks(tracks);
        this._options = options;
        this._retrier = new Retrier(options.reconnect);
        this._log = createLogger('data', options.logLevel, options.logger);
        queueMicrotask(() => this._connect());
    }

    /** The data tracks asked for. */
    get tracks(): readonly number[] {
        return this._tracks;
    }

    /** Whether the socket is open. */
    get open(): boolean {
        return this._socket?.readyState === OPEN;
    }

    /** Whether {@link close} was called. */
    get closed(): boolean {
        return this._closed;
    }

    /**
     * Asks for other data tracks (at once when open, else on the next open). Throws
     * `INVALID_ARGUMENT` for anything but a list of track indices.
     */
    setTracks(tracks: readonly number[]): void {
        this._tracks = checkTracks(tracks);
        this._sendTracks();
    }

    /** Closes the socket and stops for good. Idempotent. */
    close(): void {
        if (this._closed) return;
        this._closed = true;
        this._retrier.cancel();
        this._release();
    }

    private _connect(): void {
        if (this._closed) return;
        const WebSocketImpl = this._options.WebSocket ?? globalThis.WebSocket;
        if (!WebSocketImpl) return this._log.error('no WebSocket in this environment: no timed data');
        let socket: WebSocket;
        try {
            socket = this._socket = new WebSocketImpl(this.url);
        } catch (error) {
            // The browser's error may quote the URL, token and all: only its name is logged.
            const name = error instanceof Error ? error.name : typeof error;
            return this._log.warn(
                `cannot create the data WebSocket to ${redact(this.url, this._accessToken)} (${name})`,
            );
        }
        socket.onopen = () => {
            this._retrier.succeeded();
            this._sendTracks();
        };
        socket.onmessage = (event: MessageEvent) => this._onFrame(event.data);
        socket.onerror = socket.onclose = () => {
            this._release();
            this._retry();
        };
    }

    private _sendTracks(): void {
        const socket = this._socket;
        if (socket?.readyState !== OPEN) return;
        socket.send(JSON.stringify({ type: 'tracks', tracks: this._tracks.join(',') }));
    }

    private _onFrame(frame: unknown): void {
        if (this._closed) return;
        const item = readTimedData(frame);
        if (typeof item === 'string') return this._log.debug(`ignored a data frame: ${item}`);
        // A server that ignores the choice sends every track: only the asked ones are news.
        if (!this._tracks.includes(item.track)) return;
        this._emit('data', item.time, item.track, item.data, item.duration);
    }

    private _retry(): void {
        if (this._closed) return;
        const delay = this._retrier.failed(() => this._connect());
        this._log.debug(`data WebSocket closed; again in ${delay} ms`);
    }

    private _release(): void {
        if (this._socket) closeQuietly(this._socket);
        this._socket = undefined;
    }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- typed property handlers via declaration merging
export interface DataSocket extends EventHandlers<DataSocketEvents> {}

/** The WebSocket `readyState` of an open socket. */
const OPEN = 1;

/** A copy of `tracks` when it is a list of track indices; throws `INVALID_ARGUMENT` otherwise. */
function checkTracks(tracks: readonly number[]): readonly number[] {
    if (!Array.isArray(tracks) || !tracks.every(isTrackIndex)) {
        throw new RtcError('INVALID_ARGUMENT', 'data tracks must be a list of track indices');
    }
    return Object.freeze([...tracks]);
}
