import type { Connector, ConnectorTimings } from '../connectors/Connector';
import { now } from '../connectors/Connector';
import { Emitter, type EventMap } from '../core/Emitter';
import { createLogger, type LogLevel, type Logger } from '../core/logger';
import { buildHttpUrl, buildWebSocketUrl, transportOf } from '../core/endpoint';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import { backoffDelay, shouldRetry, type BackoffOptions } from '../policy/backoff';
import { transition, type FacadeEvent, type PlayerState, type StreamerState } from '../policy/stateTable';

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

type Timer = ReturnType<typeof setTimeout>;

/**
 * What the Player and Streamer share: one live connector at a time, the reconnect loop, state,
 * stats polling and timings. Internal wiring uses `on(…, { signal })` subscriptions only.
 * @internal
 */
export abstract class FacadeBase<S extends PlayerState | StreamerState, M extends FacadeEvents<S>> extends Emitter<M> {
    /** @internal */
    protected readonly _options: FacadeOptions;
    /** @internal */
    protected readonly _logger: Logger;
    /** @internal */
    protected _params: ConnectParams | undefined;
    private _state: S;
    private _connector: Connector | undefined;
    private _sessionAbort: AbortController | undefined;
    private _timers = new Set<Timer>();
    private _statsTimer: ReturnType<typeof setInterval> | undefined;
    private _attempt = 0;
    private _sessions = 0;
    private _startedAt = 0;

    private readonly _role: 'player' | 'streamer';

    constructor(options: FacadeOptions, role: 'player' | 'streamer') {
        super();
        this._role = role;
        this._options = options;
        this._logger = createLogger(role, options.logLevel, options.logger);
        this._log = this._logger;
        this._state = 'idle' as S;
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
        return this._params !== undefined;
    }

    /** @internal */ protected abstract _createConnector(params: ConnectParams, kind: ConnectorKind): Connector;
    /** @internal Called on each open, with the session's abort signal for subscriptions. */
    protected abstract _onOpen(connector: Connector, stream: MediaStream, signal: AbortSignal): void;
    /** @internal Called once a second while a session is open. */
    protected abstract _onTick(connector: Connector): Promise<void>;
    /** @internal Called when a session ends (before a retry or stop). */
    protected abstract _onSessionEnd(): void;
    /** @internal Whether an error that ended a session is the stream being offline (Player with waitForStream). */
    protected _isOffline(_error: RtcError): boolean {
        return false;
    }
    /** @internal Poll interval while offline. */
    protected _offlineRetryMs(): number {
        return 2000;
    }

    /** @internal */
    protected _begin(params: ConnectParams): void {
        this._params = params;
        this._attempt = 0;
        this._startedAt = now();
        this._transition('start');
        this._connect();
    }

    /**
     * Stops everything: cancels a pending retry, closes the connector, stops polling; fires
     * `stop(error)` once per `start()`.
     * @internal
     */
    protected _end(error?: RtcError): void {
        if (this._params === undefined) return;
        this._params = undefined;
        for (const timer of this._timers) clearTimeout(timer);
        this._timers.clear();
        this._closeSession();
        this._transition('stop');
        this._emitAny('stop', error);
    }

    /**
     * Applies `event` through the state table (src/policy/stateTable.ts); emits `state` on a
     * change and returns whether the event was valid in the current state.
     * @internal
     */
    protected _transition(event: FacadeEvent): boolean {
        const next = (transition as (s: string, e: FacadeEvent, r: string) => S | undefined)(
            this._state,
            event,
            this._role,
        );
        if (next === undefined) {
            this._logger.debug(`ignored '${event}' in state '${this._state}'`);
            return false;
        }
        if (next !== this._state) {
            this._state = next;
            this._emitAny('state', next);
        }
        return true;
    }

    /** @internal Emits an event of the shared map from generic code. */
    protected _emitAny(event: string, ...args: unknown[]): void {
        (this as unknown as Emitter<EventMap>)['_emit'](event, ...args);
    }

    /** @internal Schedules `fn`; cleared by stop. */
    protected _later(fn: () => void, ms: number): void {
        const timer = setTimeout(() => {
            this._timers.delete(timer);
            fn();
        }, ms);
        this._timers.add(timer);
    }

    /** @internal ms since start(). */
    protected _sinceStart(): number {
        return Math.round(now() - this._startedAt);
    }

    /** @internal Timings of the connector, rebased on `start()`. */
    protected _timingsOf(connector: Connector, createdAt: number): SessionTimings {
        const offset = Math.round(createdAt - this._startedAt);
        const out: SessionTimings = { session: this._sessions };
        for (const [key, value] of Object.entries(connector.timings) as [
            keyof ConnectorTimings,
            number | undefined,
        ][]) {
            if (value !== undefined) out[key] = value + offset;
        }
        return out;
    }

    private _connect(): void {
        const params = this._params;
        if (!params) return;
        const kind = this._options.connector ?? transportOf(params.endPoint);
        const abort = new AbortController();
        const signal = abort.signal;
        this._sessionAbort = abort;
        let connector: Connector;
        const createdAt = now();
        try {
            connector = this._createConnector(params, kind);
        } catch (error) {
            this._end(RtcError.from(error, 'INVALID_ARGUMENT'));
            return;
        }
        this._connector = connector;
        this._sessions++;
        connector.on(
            'open',
            (stream) => {
                this._attempt = 0;
                if (!this._transition('open')) return;
                this._onOpen(connector, stream, signal);
                this._emitAny('start', stream);
                this._startStats(connector);
                this._emitTimingsWhenReady(connector, createdAt, signal);
            },
            { signal },
        );
        connector.on('close', (error) => this._onClose(error), { signal });
    }

    /** @internal Emits `timings`; the Player overrides to wait for the first frame. */
    protected _emitTimingsWhenReady(connector: Connector, createdAt: number, _signal: AbortSignal): void {
        this._emitAny('timings', this._timingsOf(connector, createdAt));
    }

    private _onClose(error: RtcError | undefined): void {
        this._closeSession();
        if (this._params === undefined) return;
        const err = error ?? new RtcError('CONNECTION_LOST', 'the session closed unexpectedly', { retryable: true });
        if (this._isOffline(err)) {
            this._transition('ended');
            this._later(() => this._retryNow(), this._offlineRetryMs());
            return;
        }
        const policy = this._options.reconnect;
        const attempt = this._attempt + 1;
        if (policy !== false && shouldRetry(attempt, err, policy ?? {})) {
            this._attempt = attempt;
            const delayMs = Math.round(backoffDelay(attempt, policy ?? {}));
            this._transition('lost');
            this._emitAny('reconnecting', { attempt, delayMs, error: err } satisfies ReconnectInfo);
            this._later(() => this._retryNow(), delayMs);
            return;
        }
        this._end(err);
    }

    private _retryNow(): void {
        if (this._params === undefined) return;
        this._transition('retry');
        this._connect();
    }

    private _startStats(connector: Connector): void {
        const interval = this._options.statsIntervalMs ?? 1000;
        if (interval <= 0) return;
        clearInterval(this._statsTimer);
        this._statsTimer = setInterval(() => {
            if (connector !== this._connector || !connector.opened) return;
            this._onTick(connector).catch((error: unknown) => this._logger.debug('stats tick failed', { error }));
        }, interval);
    }

    private _closeSession(): void {
        clearInterval(this._statsTimer);
        this._statsTimer = undefined;
        this._sessionAbort?.abort();
        this._sessionAbort = undefined;
        const connector = this._connector;
        this._connector = undefined;
        if (connector) {
            this._onSessionEnd();
            connector.close();
        }
    }
}

/**
 * Validates connect params synchronously: throws `INVALID_ARGUMENT` for a missing endpoint, a
 * bad URL or a missing stream name.
 * @internal
 */
export function validate(params: ConnectParams, publish: boolean, kind?: ConnectorKind): void {
    if (!params || typeof params !== 'object' || typeof params.endPoint !== 'string' || !params.endPoint.trim()) {
        throw new RtcError('INVALID_ARGUMENT', 'params.endPoint must be a non-empty string');
    }
    if (params.streamName !== undefined && typeof params.streamName !== 'string') {
        throw new RtcError('INVALID_ARGUMENT', 'params.streamName must be a string');
    }
    if ((kind ?? transportOf(params.endPoint)) === 'http') buildHttpUrl(params, publish);
    else buildWebSocketUrl(params);
}
