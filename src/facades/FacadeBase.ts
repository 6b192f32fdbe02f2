import type { Connector, ConnectorTimings } from '../connectors/Connector';
import { now } from '../connectors/Connector';
import { HTTPConnector } from '../connectors/HTTPConnector';
import { WSController } from '../connectors/WSController';
import { Emitter, type EventMap } from '../core/Emitter';
import { createLogger, type LogLevel, type Logger } from '../core/logger';
import { buildWebSocketUrl, transportOf } from '../core/endpoint';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import type { ConnectionInfos } from '../stats/connectionInfos';
import { retryDelay, type BackoffOptions } from '../policy/backoff';
import type { PlayerState, StreamerState } from '../policy/stateTable';
import type { PlayerOptions } from './Player';

/** The emitter's `_emit`, for generic code (the event map of a facade is its subclass's). */
type Emits = { _emit(event: string, ...args: unknown[]): void };

/** The Player's video element, where `requestVideoFrameCallback` may be missing. */
type VideoElement = HTMLVideoElement & { requestVideoFrameCallback?: (callback: () => void) => number };

/** Which connector a facade uses: chosen from the endpoint by default. */
export type ConnectorKind = 'ws' | 'http';

/** Options shared by {@link Player} and {@link Streamer}. */
export interface FacadeOptions {
    /** Force a connector instead of choosing from the endpoint (`ws(s)`/bare host → `'ws'`, `http(s)` → `'http'`). */
    connector?: ConnectorKind;
    /**
     * Reconnection of lost sessions (exponential backoff with full jitter).
     * Default `{ initialDelayMs: 250, maxDelayMs: 10000, maxAttempts: Infinity }`; `false` disables.
     */
    reconnect?: BackoffOptions | false;
    /** Interval of the `stats` event, ms (default 1000). `0` disables stats polling (and adaptation). */
    statsIntervalMs?: number;
    /** Options passed to every connector (platform injection, timeouts). */
    connectorOptions?: ConnectorOptions;
    /** Log sink (default: `console`). */
    logger?: Logger;
    /** Minimum level logged (default `'warn'`). */
    logLevel?: LogLevel;
}

/**
 * Milliseconds from `start()` to each step of the session that opened (after a reconnection,
 * still counted from `start()`); a step is absent when it did not happen or does not apply.
 *
 * @example
 * ```ts
 * player.on('timings', (t) => console.log(`session ${t.session}: first frame after ${t.firstFrame} ms`));
 * ```
 */
export interface SessionTimings {
    /** Which session this is (1 for the first, 2 after one reconnection …). */
    session: number;
    /** The signaling WebSocket opened, ms (WebSocket sessions only). */
    socketOpen?: number;
    /** The local offer was created and set, ms. */
    offerReady?: number;
    /** The server's answer arrived, ms. */
    answer?: number;
    /** ICE connected, ms. */
    iceConnected?: number;
    /** DTLS connected (peer connection `connected`), ms. */
    dtlsConnected?: number;
    /** The connector opened (media flowing). */
    open?: number;
    /** First decoded video frame shown (Player only). */
    firstFrame?: number;
}

/** Payload of the `reconnecting` event. */
export interface ReconnectInfo {
    /** 1 for the first retry after a loss. */
    attempt: number;
    /** Delay before this attempt, ms. */
    delayMs: number;
    /** Why the previous session ended. */
    error: RtcError;
}

/**
 * Events every facade has ({@link PlayerEvents} and {@link StreamerEvents} add their own).
 * Subscribe with `player.on('start', fn)` or set the matching property handler
 * (`player.onStart = fn`).
 */
export interface FacadeEvents<S extends string> extends EventMap {
    /**
     * A session opened (again, after a reconnection) with this stream.
     *
     * @example
     * ```ts
     * player.on('start', (stream) => console.log('playing', stream.getTracks().length, 'tracks'));
     * ```
     */
    start: [stream: MediaStream];
    /**
     * The facade stopped: by `stop()` (no error) or for good after a failure. Fires once per `start()`.
     *
     * @example
     * ```ts
     * player.on('stop', (error) => error && console.error(error.code, error.message));
     * ```
     */
    stop: [error?: RtcError];
    /**
     * The state changed (deduplicated).
     *
     * @example
     * ```ts
     * player.on('state', (state) => (badge.textContent = state));
     * ```
     */
    state: [state: S];
    /**
     * A lost session will be retried after `delayMs`.
     *
     * @example
     * ```ts
     * player.on('reconnecting', ({ attempt, delayMs, error }) =>
     *     console.log(`retry ${attempt} in ${delayMs} ms after ${error.code}`),
     * );
     * ```
     */
    reconnecting: [info: ReconnectInfo];
    /**
     * Steps of the session that just opened, ms since `start()`. The Player emits it once the first
     * video frame is shown when it has a video element.
     *
     * @example
     * ```ts
     * player.on('timings', (t) => console.log('answer after', t.answer, 'ms'));
     * ```
     */
    timings: [timings: SessionTimings];
}

/**
 * What the Player and Streamer share: one live connector at a time, the reconnect loop, state,
 * stats polling and timings. Internal wiring uses `on(…, { signal })` subscriptions only.
 * @internal
 */
export abstract class FacadeBase<
    S extends PlayerState | StreamerState,
    M extends FacadeEvents<S>,
    O extends FacadeOptions = FacadeOptions,
> extends Emitter<M> {
    /** @internal */
    protected readonly _options: O;
    /** @internal */
    protected _params: ConnectParams | undefined;
    private _state = 'idle' as S;
    private _connector: Connector | undefined;
    private _sessionAbort: AbortController | undefined;
    /** The pending retry (backoff delay or offline poll): at most one at a time. */
    private _retryTimer: ReturnType<typeof setTimeout> | undefined;
    private _statsTimer: ReturnType<typeof setInterval> | undefined;
    // Both set by _begin before any use.
    private _attempt!: number;
    private _startedAt!: number;
    private _sessions = 0;
    /** The connector kind of the current params (forced, or chosen from the endpoint). */
    private _kind!: ConnectorKind;

    /**
     * @param role - the logger's name.
     * @param _live - the state of an open session (`playing` / `streaming`).
     */
    constructor(
        options: O,
        role: 'player' | 'streamer',
        private readonly _live: S,
    ) {
        super();
        this._options = options;
        this._log = createLogger(role, options.logLevel, options.logger);
    }

    /** Current state. */
    get state(): S {
        return this._state;
    }

    /** The live connector, if a session is open or opening. */
    get connector(): Connector | undefined {
        return this._connector;
    }

    /** Whether `start()` was called and `stop()` was not (yet). */
    get started(): boolean {
        return !!this._params;
    }

    /** Stops and releases everything; fires `stop` once. */
    stop(): void {
        this._end();
    }

    /** @internal */ protected abstract _createConnector(params: ConnectParams, kind: ConnectorKind): Connector;
    /**
     * @internal Called on each open (a new session: per-session samples start afresh), with the
     * session's abort signal for subscriptions.
     */
    protected abstract _onOpen(connector: Connector, stream: MediaStream, signal: AbortSignal): void;
    /**
     * @internal Called every `statsIntervalMs` while a session is open, with its connection infos
     * (only while it is still the live session).
     */
    protected abstract _onTick(connector: Connector, infos: ConnectionInfos): Promise<void> | void;
    /**
     * @internal A connector of `kind` with the facade's options (logger, logLevel, the Streamer's
     * videoCodec and simulcast; the others are no connector options), `connectorOptions` overriding them.
     */
    protected _newConnector(params: ConnectParams, kind: ConnectorKind, stream?: MediaStream): Connector {
        const options = this._options;
        return new (kind === 'ws' ? WSController : HTTPConnector)(params, stream, {
            ...options,
            ...options.connectorOptions,
        });
    }

    /**
     * @internal The common start of `start()`: stops a running session, validates `params`
     * (throws `INVALID_ARGUMENT`) and enters `connecting`. The facade then sets up its session
     * state and calls {@link _connect}.
     */
    protected _begin(params: ConnectParams): void {
        // Stops a running session (stop() does nothing when stopped).
        this.stop();
        // Both URL builders validate alike (any endpoint scheme, the stream name from the path or
        // the params): either one rejects a missing or non-string endpoint or stream name, a bad URL.
        buildWebSocketUrl(params);
        this._kind = this._options.connector ?? transportOf(params.endPoint);
        this._params = params;
        this._attempt = 0;
        this._startedAt = now();
        this._set('connecting' as S);
    }

    /**
     * Stops everything: cancels a pending retry, closes the connector, stops polling; fires
     * `stop(error)` once per `start()`.
     * @internal
     */
    protected _end(error?: RtcError): void {
        if (!this._params) return;
        this._params = undefined;
        clearTimeout(this._retryTimer);
        this._closeSession();
        // The Player's element keeps its last frame while reconnecting; stop() detaches it.
        const video = (this as { video?: VideoElement }).video;
        if (video?.srcObject) {
            video.pause();
            video.srcObject = null;
        }
        this._set('stopped' as S);
        (this as unknown as Emits)._emit('stop', error);
    }

    /**
     * Enters `state`, emitting `state` on a change. The facade follows the transition table of
     * src/policy/stateTable.ts (tested there), whose invalid events cannot happen here: `start`
     * runs only when stopped (`start()` stops first), an `open` or a `close` only comes from the
     * live session (its subscriptions end with it), and a retry only runs while reconnecting or
     * offline (stop clears its timer).
     */
    private _set(state: S): void {
        if (state !== this._state) (this as unknown as Emits)._emit('state', (this._state = state));
    }

    /** @internal A rejection handler that logs `${what} failed` with the error (level `debug` unless told). */
    protected _failed(what: string, level: 'debug' | 'warn' = 'debug'): (error: unknown) => void {
        return (error) => this._log[level](`${what} failed`, { error });
    }

    /** @internal Opens a session on the current params (set: `start()` and the retry timer run only while started). */
    protected _connect(): void {
        const params = this._params!;
        const signal = (this._sessionAbort = new AbortController()).signal;
        const started = this._startedAt;
        // The connector's timings count from its creation: rebased on start() by this offset.
        const offset = Math.round(now() - started);
        let connector: Connector;
        try {
            connector = this._createConnector(params, this._kind);
        } catch (error) {
            return this._end(RtcError.from(error, 'INVALID_ARGUMENT'));
        }
        this._connector = connector;
        const timings: SessionTimings = { session: ++this._sessions };
        connector.on(
            'open',
            (stream) => {
                // A listener that ran before this one in the same emission may have stopped the facade.
                if (signal.aborted) return;
                this._attempt = 0;
                this._set(this._live);
                this._onOpen(connector, stream, signal);
                (this as unknown as Emits)._emit('start', stream);
                const interval = this._options.statsIntervalMs ?? 1000;
                // One interval per session (an open is valid once per session); _closeSession clears it.
                if (interval > 0) {
                    // The close event that clears it is a microtask after the close: no tick in between
                    // sees a closed connector. An open one is the live session (the facade closes the
                    // previous one before it makes the next).
                    this._statsTimer = setInterval(
                        () =>
                            connector
                                .connectionInfos()
                                .then((infos) => connector.opened && this._onTick(connector, infos))
                                .catch(this._failed('stats')),
                        interval,
                    );
                }
                // Timings of the connector rebased on start(), emitted once the first video frame is
                // shown where the Player can tell (it has a video element: its next frame, or its
                // first data), else at once.
                const video = (this as { video?: VideoElement }).video;
                const emitTimings = () => {
                    if (signal.aborted) return;
                    // The connector records only the steps that happened (no undefined values).
                    for (const [key, value] of Object.entries(connector.timings) as [
                        keyof ConnectorTimings,
                        number,
                    ][]) {
                        timings[key] = value + offset;
                    }
                    if (video) timings.firstFrame = Math.round(now() - started);
                    (this as unknown as Emits)._emit('timings', timings);
                };
                if (!video) emitTimings();
                else if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(emitTimings);
                else video.addEventListener('loadeddata', emitTimings, { once: true, signal });
            },
            { signal },
        );
        connector.on('close', (error) => this._onClose(error), { signal });
    }

    private _onClose(error: RtcError | undefined): void {
        this._closeSession();
        if (!this._params) return;
        // CONNECTION_LOST is retryable.
        const err = error ?? new RtcError('CONNECTION_LOST', 'session closed');
        const attempt = this._attempt + 1;
        // The Player's waitForStream (a Streamer has no such option): an ended or missing stream is
        // offline and polled; a refusal while offline is the stream still missing (servers refuse
        // to play what is not live).
        const wait = (this._options as { waitForStream?: PlayerOptions['waitForStream'] }).waitForStream;
        const code = err.code;
        let delayMs: number | undefined;
        // STREAM_ENDED, STREAM_NOT_FOUND
        if (wait && (code.startsWith('STREAM_') || (code === 'REFUSED' && this._state === 'offline'))) {
            delayMs = (wait as { intervalMs?: number }).intervalMs ?? 2000;
            this._set('offline' as S);
        } else if ((delayMs = retryDelay(attempt, err, this._options.reconnect)) !== undefined) {
            this._attempt = attempt;
            // A retry while polling for an offline stream stays offline.
            if (this._state !== 'offline') this._set('reconnecting' as S);
            (this as unknown as Emits)._emit('reconnecting', { attempt, delayMs, error: err } satisfies ReconnectInfo);
        } else return this._end(err);
        // Cleared by _end: when it fires, the facade is still started.
        this._retryTimer = setTimeout(() => this._connect(), delayMs);
    }

    private _closeSession(): void {
        clearInterval(this._statsTimer);
        this._sessionAbort?.abort();
        this._connector?.close();
        this._connector = undefined;
    }
}
