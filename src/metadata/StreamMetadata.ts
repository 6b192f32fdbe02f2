import { readBody } from '../connectors/http';
import { Emitter, type EventHandlers, type EventMap } from '../core/Emitter';
import { streamResourceUrl } from '../core/endpoint';
import { createLogger, type LogLevel, type Logger } from '../core/logger';
import { nonNegative } from '../core/numbers';
import { closeQuietly } from '../core/sockets';
import type { ConnectParams, FetchFunction, WebSocketConstructor } from '../core/types';
import type { BackoffOptions } from '../policy/backoff';
import { Retrier } from '../policy/Retrier';
import type { Metadata } from './Metadata';
import { MAX_METADATA_LENGTH, readStreamDocument } from './streamDocument';
import type { StreamState } from './streamState';

/** Options of {@link StreamMetadata}. Platform objects default to the globals. */
export interface StreamMetadataOptions {
    /** WebSocket implementation (default: `globalThis.WebSocket`). */
    WebSocket?: WebSocketConstructor;
    /** fetch implementation (default: `globalThis.fetch`). */
    fetch?: FetchFunction;
    /** How often the HTTP fallback asks for the document, ms (default 3000). */
    pollIntervalMs?: number;
    /**
     * The delays between attempts after a loss (exponential backoff with full jitter, see
     * {@link BackoffOptions}); default from 250 ms up to 10 s, for ever. `startAttempts` does not
     * apply: it always tries again.
     */
    reconnect?: BackoffOptions;
    /** Tracks read per document at most (default 256). */
    maxTracks?: number;
    /** Log sink (default: `console`). */
    logger?: Logger;
    /** Minimum level logged (default `'warn'`). */
    logLevel?: LogLevel;
}

/**
 * Events of {@link StreamMetadata}. Subscribe with `metadata.on('state', fn)` or set the matching
 * property handler (`metadata.onState = fn`).
 */
export interface StreamMetadataEvents extends EventMap {
    /**
     * A new description of the stream (a new document: tracks came, went or changed).
     *
     * @example
     * ```ts
     * streamMetadata.on('metadata', (m) => console.log(m.videos.map((v) => `${v.height}p`)));
     * ```
     */
    metadata: [metadata: Metadata];
    /**
     * The stream's state changed (deduplicated), with the server's text when it is not online.
     * `'error'` also says that the server cannot be reached (it is then tried again).
     *
     * @example
     * ```ts
     * streamMetadata.on('state', (state, reason) => console.log(state, reason ?? ''));
     * ```
     */
    state: [state: StreamState, reason?: string];
}

/**
 * Statuses that say the server has no metadata document at all (MistServer answers any name with
 * 200): it is not asked again.
 */
const NO_METADATA = [404, 405, 501];

/** While polling, the WebSocket is tried again every this many polls. */
const SOCKET_RETRY_POLLS = 10;

/** How the document is followed: pushed over a WebSocket, or polled over HTTP. */
export type MetadataTransport = 'websocket' | 'http';

/** What a failed attempt was: the WebSocket refused before it opened, or lost after. */
type SocketEnd = 'refused' | 'lost';

/**
 * The metadata document URL of a MistServer-compatible server, `http(s)://host[:port][/prefix]/json_<stream>.js`,
 * on the host and port of the signaling endpoint (a path prefix before `/webrtc|whip|whep/<name>`
 * is kept, the query left out). Throws `INVALID_ARGUMENT` when `params` cannot name a stream.
 *
 * @example
 * ```ts
 * metadataUrl({ endPoint: 'wss://media.example.com/webrtc/live' }); // 'https://media.example.com/json_live.js'
 * ```
 */
export function metadataUrl(params: ConnectParams): string {
    return streamResourceUrl(params, (name) => `json_${name}.js`, 'http');
}

/**
 * Follows a stream's live description, as MistServer serves it on `json_<stream>.js`: over a
 * WebSocket on that path, where the server pushes a new document whenever the stream changes,
 * else — when the server refuses the WebSocket but answers HTTP — by polling the same path
 * (`pollIntervalMs`). Emits `metadata` for each new document and `state` when the stream's state
 * changes (`online`, `offline`, `waitingForData` …). A lost connection is retried by itself, with
 * backoff, until {@link close}; a server that answers the document with 404, 405 or 501 has none
 * (it is not MistServer-compatible): the state is then `error` and it is not asked again.
 *
 * Usable alone, and used by the {@link Player} (which closes its own with itself; one given to
 * `player.start(params, { metadata })` stays the app's). Construction starts it (a microtask later,
 * so that handlers attached right after see everything); documents are read with the bounds of
 * {@link Metadata} (1 MiB of text, 256 tracks), bad ones logged and ignored.
 *
 * @example
 * ```ts
 * const stream = new StreamMetadata({ endPoint: 'media.example.com', streamName: 'live+cam1' });
 * stream.on('state', (state) => (badge.textContent = state));
 * stream.on('metadata', (metadata) => showQualities(metadata.videos));
 * // later
 * stream.close();
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface only types property handlers
export class StreamMetadata extends Emitter<StreamMetadataEvents> {
    /** The document's HTTP URL (polled when the WebSocket is refused). */
    readonly url: string;
    /** The document's WebSocket URL. */
    readonly webSocketUrl: string;
    private readonly _options: StreamMetadataOptions;
    private _metadata: Metadata | undefined;
    private _state: StreamState | undefined;
    private _transport: MetadataTransport | undefined;
    /** The text of the last document, to tell a new one from a repeated poll. */
    private _lastText: string | undefined;
    private _socket: WebSocket | undefined;
    /** The next attempt after a failure, or the next poll. */
    private readonly _retrier: Retrier;
    private _request: AbortController | undefined;
    /** Whether the server answered HTTP while refusing the WebSocket: polled from then on. */
    private _polling = false;
    /** Polls since the WebSocket was last tried. */
    private _polls = 0;
    private _closed = false;

    /**
     * Starts following `params`'s stream. Throws `INVALID_ARGUMENT` synchronously when `params`
     * cannot name a stream.
     */
    constructor(params: ConnectParams, options: StreamMetadataOptions = {}) {
        super();
        this.url = metadataUrl(params);
        this.webSocketUrl = this.url.replace(/^http/, 'ws');
        this._options = options;
        this._retrier = new Retrier(options.reconnect);
        this._log = createLogger('metadata', options.logLevel, options.logger);
        queueMicrotask(() => this._connect());
    }

    /** The latest description, once one arrived (kept while the stream is offline). */
    get metadata(): Metadata | undefined {
        return this._metadata;
    }

    /** The stream's state, once known. */
    get state(): StreamState | undefined {
        return this._state;
    }

    /** What carries the documents now: `'websocket'` (pushed), `'http'` (polled), or none between attempts. */
    get transport(): MetadataTransport | undefined {
        return this._transport;
    }

    /** Whether {@link close} was called. */
    get closed(): boolean {
        return this._closed;
    }

    /** Stops following the stream: closes the socket, cancels a request and every timer. Idempotent. */
    close(): void {
        if (this._closed) return;
        this._closed = true;
        this._transport = undefined;
        this._retrier.cancel();
        this._request?.abort();
        this._closeSocket();
    }

    /** Opens the WebSocket, or polls when the server takes none (or there is no WebSocket here). */
    private _connect(): void {
        if (this._closed) return;
        const WebSocketImpl = this._options.WebSocket ?? globalThis.WebSocket;
        // While polling, the WebSocket is tried again now and then: the server may have come back
        // between the two attempts that made it look WebSocket-less, or gained the WebSocket.
        const pollOnly = this._polling && ++this._polls % SOCKET_RETRY_POLLS !== 0;
        if (pollOnly || !WebSocketImpl) return void this._poll();
        let socket: WebSocket;
        try {
            socket = this._socket = new WebSocketImpl(this.webSocketUrl);
        } catch (error) {
            this._log.debug('cannot create the metadata WebSocket', { error });
            return void this._poll();
        }
        let opened = false;
        socket.onopen = () => {
            opened = true;
            this._polling = false;
            this._transport = 'websocket';
            this._retrier.succeeded();
        };
        socket.onmessage = (event: MessageEvent) => this._onDocument(event.data);
        socket.onerror = socket.onclose = () => {
            this._closeSocket();
            void this._socketEnded(opened ? 'lost' : 'refused');
        };
    }

    /**
     * A WebSocket that was refused is tried over HTTP: an answer means the server has no metadata
     * WebSocket (polled from now on, the WebSocket tried again every 10 polls), a network failure
     * that it is unreachable (both tried again).
     */
    private async _socketEnded(end: SocketEnd): Promise<void> {
        this._transport = undefined;
        if (end === 'lost') return this._retry('the metadata WebSocket closed');
        if (await this._poll()) {
            this._log.info('the server takes no metadata WebSocket: polling');
            this._polling = true;
        }
    }

    /**
     * One HTTP request of the document; then the next one after `pollIntervalMs` (while polling),
     * or a retry after a failure. Resolves whether the server answered.
     */
    private async _poll(): Promise<boolean> {
        if (this._closed) return false;
        const fetchImpl = this._options.fetch ?? globalThis.fetch;
        if (!fetchImpl) {
            this._log.error('no WebSocket and no fetch in this environment: stream metadata unavailable');
            return false;
        }
        const request = (this._request = new AbortController());
        let answered = false;
        try {
            // Detached, never as options.fetch(…): browsers throw "Illegal invocation" otherwise.
            const response = await fetchImpl(this.url, { signal: request.signal });
            answered = true;
            if (NO_METADATA.includes(response.status)) {
                // Not MistServer-compatible (MistServer answers 200 for any name): nothing to follow.
                response.body?.cancel().catch(() => undefined);
                this._transport = undefined;
                this._setState('error', `${this.url}: HTTP ${response.status}, the server has no stream metadata`);
                return true;
            }
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            const body = await readBody(response, MAX_METADATA_LENGTH);
            if (body.truncated) throw new Error(`a document over ${MAX_METADATA_LENGTH} bytes`);
            if (this._closed) return true;
            this._transport = 'http';
            this._retrier.succeeded();
            this._onDocument(body.text);
            this._retrier.later(() => this._connect(), nonNegative(this._options.pollIntervalMs, 3000));
        } catch (error) {
            if (this._closed) return answered;
            this._transport = undefined;
            this._retry(answered ? `GET ${this.url}: ${String(error)}` : `cannot reach ${this.url}`, error);
        }
        return answered;
    }

    /** Schedules the next attempt, with backoff; says `error` when the server cannot be reached. */
    private _retry(reason: string, cause?: unknown): void {
        if (this._closed) return;
        this._log.debug(`stream metadata: ${reason}`, { cause });
        // A single lost WebSocket is retried silently; failing again says the state is unknown.
        if (this._retrier.attempt > 0) this._setState('error', reason);
        this._retrier.failed(() => this._connect());
    }

    /** One document: a new description, and the stream's state. Bad documents are logged and ignored. */
    private _onDocument(text: unknown): void {
        if (this._closed) return;
        const read = readStreamDocument(text, { maxTracks: this._options.maxTracks });
        if (typeof read === 'string') return this._log.warn(`ignored a metadata document: ${read}`);
        if (read.state !== 'online') return this._setState(read.state, read.reason);
        // A poll repeats the document it had: only a new one is news.
        if (text !== this._lastText) {
            this._lastText = text as string;
            this._emit('metadata', (this._metadata = read.metadata));
        }
        this._setState('online');
    }

    private _setState(state: StreamState, reason?: string): void {
        if (state !== 'online') this._lastText = undefined;
        if (state === this._state) return;
        this._state = state;
        this._emit('state', state, reason);
    }

    private _closeSocket(): void {
        if (this._socket) closeQuietly(this._socket);
        this._socket = undefined;
    }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- typed property handlers via declaration merging
export interface StreamMetadata extends EventHandlers<StreamMetadataEvents> {}
