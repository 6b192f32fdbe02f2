import type { Connector, ConnectorClass } from '../connectors/Connector';
import { HTTPConnector } from '../connectors/HTTPConnector';
import { WSController } from '../connectors/WSController';
import { now } from '../core/clock';
import { Emitter, type EventMap, type EventName } from '../core/Emitter';
import { resolveStreamName, transportOf } from '../core/endpoint';
import { createLogger, type LogLevel, type Logger } from '../core/logger';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import { nonNegative } from '../core/numbers';
import { DEFAULT_BACKOFF, retryDelay, type BackoffOptions } from '../policy/backoff';
import { transition, type FacadeEvent, type TransitionTable } from '../policy/stateTable';
import type { ConnectionInfos } from '../stats/connectionInfos';
import { PreparedSession } from './PreparedSession';

/**
 * Which connector a facade uses: `'ws'` ({@link WSController}), `'http'` ({@link HTTPConnector}),
 * or a connector class of your own (see {@link Connector}). Default: chosen from the endpoint.
 */
export type ConnectorKind = 'ws' | 'http' | ConnectorClass;

/** Options shared by {@link Player} and {@link Streamer}. */
export interface FacadeOptions {
    /**
     * The connector: `'ws'`, `'http'`, or a {@link Connector} subclass of your own. Default: chosen
     * from the endpoint (`ws(s)`/bare host → `'ws'`, `http(s)` → `'http'`).
     *
     * @example
     * ```ts
     * const player = new Player(video, { connector: MyConnector }); // class MyConnector extends Connector
     * ```
     */
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
    /**
     * The session was prepared ahead of `start()` (see `Player.prepare`): its signaling, ICE and
     * DTLS steps happened before `start()` and are left out; `firstFrame` counts from `start()`.
     */
    prepared?: boolean;
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
 * What the Player and Streamer share: one live connector at a time, the reconnect loop, the state
 * machine (every change goes through its transition table), stats polling and timings. The facades
 * plug in through the hooks below; internal wiring uses `on(…, { signal })` subscriptions only.
 * @internal
 */
export abstract class FacadeBase<
    S extends string,
    M extends FacadeEvents<S>,
    O extends FacadeOptions = FacadeOptions,
> extends Emitter<M> {
    /** @internal */
    protected readonly _options: O;
    /** The params of the running `start()`; undefined when stopped. @internal */
    protected _params: ConnectParams | undefined;
    private readonly _transitions: TransitionTable<S>;
    private _state: S;
    private _connector: Connector | undefined;
    /** Aborted when the live session ends: its subscriptions and pending callbacks go with it. */
    private _sessionAbort: AbortController | undefined;
    /** The pending retry (backoff delay or offline poll): at most one at a time. */
    private _retryTimer: ReturnType<typeof setTimeout> | undefined;
    private _statsTimer: ReturnType<typeof setInterval> | undefined;
    /** Retries since the last open. */
    private _attempt = 0;
    /** Whether a session of the current `start()` has opened: until then, failures are counted. */
    private _everOpened = false;
    /** Sessions of the current `start()` that failed before any opened. */
    private _failedStarts = 0;
    /** When `start()` was called (timings count from there). */
    private _startedAt = 0;
    /** Sessions opened since construction (the `session` of {@link SessionTimings}). */
    private _sessions = 0;
    /** A session opened ahead of `start()`, waiting for it. */
    private _prepared: PreparedSession | undefined;

    /**
     * @param role - the logger's name.
     * @param transitions - the facade's state machine (it starts `idle`).
     */
    constructor(options: O, role: 'player' | 'streamer', transitions: TransitionTable<S>) {
        super();
        this._options = options;
        this._transitions = transitions;
        this._state = 'idle' as S;
        this._log = createLogger(role, options.logLevel, options.logger);
    }

    /**
     * Current state.
     *
     * @example
     * ```ts
     * if (player.state === 'reconnecting') banner.hidden = false;
     * ```
     */
    get state(): S {
        return this._state;
    }

    /**
     * The live connector, if a session is open or opening.
     *
     * @example
     * ```ts
     * const infos = await player.connector?.connectionInfos();
     * ```
     */
    get connector(): Connector | undefined {
        return this._connector;
    }

    /**
     * Normalised `getStats()` summary of the live session (the Ceeblue client's call); rejects with
     * `INVALID_STATE` when no session is open.
     *
     * @example
     * ```ts
     * const infos = await player.connectionInfos();
     * console.log('rtt', infos.rtt, 's');
     * ```
     */
    connectionInfos(): Promise<ConnectionInfos> {
        const connector = this._connector;
        if (!connector?.opened) return Promise.reject(new RtcError('INVALID_STATE', 'no open session'));
        return connector.connectionInfos();
    }

    /**
     * The same as {@link started} (the Ceeblue client's name).
     *
     * @example
     * ```ts
     * if (!streamer.running) streamer.start(camera, params);
     * ```
     */
    get running(): boolean {
        return this.started;
    }

    /**
     * Whether `start()` was called and `stop()` was not (yet).
     *
     * @example
     * ```ts
     * button.textContent = player.started ? 'Stop' : 'Play';
     * ```
     */
    get started(): boolean {
        return this._params !== undefined;
    }

    /**
     * Whether a session prepared ahead of `start()` is ready: its media path is up, `start()` shows
     * the first frame after one round trip.
     *
     * @example
     * ```ts
     * link.addEventListener('pointerenter', () => player.prepare(params));
     * link.addEventListener('click', () => console.log(player.prepared ? 'instant' : 'cold'));
     * ```
     */
    get prepared(): boolean {
        return this._prepared?.ready ?? false;
    }

    /**
     * Stops and releases everything, a prepared session too; fires `stop` once per `start()`.
     *
     * @example
     * ```ts
     * window.addEventListener('pagehide', () => player.stop());
     * ```
     */
    stop(): void {
        this._releasePrepared();
        this._end('stop');
    }

    /**
     * The connector of a new session: {@link _newConnector} with what the facade adds (the
     * Player's pinned tracks, the Streamer's stream). @internal
     */
    protected abstract _createConnector(params: ConnectParams): Connector;

    /**
     * Called on each open (a new session: per-session samples start afresh), with the session's
     * abort signal for subscriptions. @internal
     */
    protected abstract _onOpen(connector: Connector, stream: MediaStream, signal: AbortSignal): void;

    /**
     * Called every `statsIntervalMs` while a session is open, with its connection infos (only while
     * it is still the live session). @internal
     */
    protected abstract _onTick(connector: Connector, infos: ConnectionInfos): Promise<void> | void;

    /**
     * How long to wait before asking again for a stream that is not live, ms, or `undefined` to
     * treat `error` as usual (retry a loss, stop on a refusal). The Streamer never waits; the
     * Player does with `waitForStream`. @internal
     */
    protected _offlinePollMs(_error: RtcError): number | undefined {
        return undefined;
    }

    /**
     * Resolves with `true` once the session's first video frame is shown, `false` when the facade
     * shows no video (then the timings are emitted at once). @internal
     */
    protected _firstFrame(_signal: AbortSignal): Promise<boolean> {
        return Promise.resolve(false);
    }

    /** A session was opened ahead of `start()` (the Player holds its media). @internal */
    protected _onPrepared(_connector: Connector): void {
        // Nothing to hold in the base class.
    }

    /** A prepared session is handed over to `start()` (the Player resumes its media). @internal */
    protected _onAdopted(_connector: Connector): void {
        // Nothing to resume in the base class.
    }

    /** The facade stopped: releases what it holds per `start()` (the Player's element). @internal */
    protected _onStopped(): void {
        // Nothing per start() in the base class.
    }

    /**
     * A connector for the current params: of the `connector` option's kind (or class), else of
     * the endpoint's; with the facade's options (logger, logLevel, the Streamer's videoCodec and
     * simulcast), `connectorOptions` overriding them. @internal
     */
    protected _newConnector(params: ConnectParams, stream?: MediaStream): Connector {
        const kind = this._connectorKind(params);
        const Impl: ConnectorClass = typeof kind === 'function' ? kind : kind === 'ws' ? WSController : HTTPConnector;
        const options = this._options;
        return new Impl(params, stream, { ...options, ...options.connectorOptions });
    }

    /** The connector kind (or class) of `params`: the `connector` option, else the endpoint's. @internal */
    protected _connectorKind(params: ConnectParams): ConnectorKind {
        return this._options.connector ?? transportOf(params.endPoint);
    }

    /**
     * The common start of `start()`: stops a running session, validates `params` (throws
     * `INVALID_ARGUMENT`) and enters `connecting`. The facade then sets up its session state and
     * calls {@link _connect}. @internal
     */
    protected _begin(params: ConnectParams): void {
        // Stops a running session, keeping a prepared one for this start.
        this._end('stop');
        // The same check as the connectors': a bad endpoint or no stream name throws now.
        resolveStreamName(params);
        this._params = params;
        this._attempt = 0;
        this._everOpened = false;
        this._failedStarts = 0;
        this._startedAt = now();
        this._dispatch('start');
    }

    /**
     * Opens a session for `params` ahead of `start()`, released after `timeoutMs` unless a
     * `start()` with the same params takes it. Preparing again with the same params keeps the
     * session; other params replace it. Throws `INVALID_STATE` while started, `INVALID_ARGUMENT`
     * for bad params. @internal
     */
    protected _prepare(params: ConnectParams, timeoutMs: number): void {
        if (this.started) throw new RtcError('INVALID_STATE', 'prepare() is for a facade that is not started');
        resolveStreamName(params);
        if (this._prepared?.fits(params)) return;
        this._releasePrepared();
        const connector = this._createConnector(params);
        const prepared = new PreparedSession(connector, params, timeoutMs, (reason) => {
            if (this._prepared === prepared) this._prepared = undefined;
            this._log.info(`prepared session ${reason === 'expired' ? 'released after its timeout' : 'closed'}`);
        });
        this._prepared = prepared;
        this._onPrepared(connector);
    }

    /** Opens a session on the current params (`start()` and the retry timer run only while started). @internal */
    protected _connect(): void {
        const params = this._params;
        if (!params) return;
        const abort = (this._sessionAbort = new AbortController());
        const signal = abort.signal;
        // The connector's timings count from its creation: rebased on start() by this offset.
        const offset = Math.round(now() - this._startedAt);
        const prepared = this._takePrepared(params);
        let connector: Connector;
        try {
            connector = prepared ?? this._createConnector(params);
        } catch (error) {
            return this._end('failed', RtcError.from(error, 'INVALID_ARGUMENT'));
        }
        this._connector = connector;
        const session = ++this._sessions;
        const opened = (stream: MediaStream) =>
            this._onSessionOpen(connector, stream, signal, session, prepared ? undefined : offset);
        if (prepared) this._onAdopted(prepared);
        connector.on('open', opened, { signal });
        connector.on('close', (error) => this._onSessionClose(error), { signal });
        // A prepared session may be open already: it will not emit `open` again.
        if (connector.opened && connector.stream) opened(connector.stream);
    }

    /** The prepared session's connector when it fits `params` (the first session of a start), else none. */
    private _takePrepared(params: ConnectParams): Connector | undefined {
        const prepared = this._prepared;
        this._prepared = undefined;
        if (prepared?.fits(params)) return prepared.take();
        prepared?.release();
        return undefined;
    }

    private _releasePrepared(): void {
        this._prepared?.release();
        this._prepared = undefined;
    }

    /** A rejection handler that logs `${what} failed` with the error (level `debug` unless told). @internal */
    protected _failed(what: string, level: 'debug' | 'warn' = 'debug'): (error: unknown) => void {
        return (error) => this._log[level](`${what} failed`, { error });
    }

    /** @param offset - when the connector was created, ms after `start()`; none for a prepared session. */
    private _onSessionOpen(
        connector: Connector,
        stream: MediaStream,
        signal: AbortSignal,
        session: number,
        offset: number | undefined,
    ): void {
        // A listener that ran before this one in the same emission may have stopped the facade.
        if (signal.aborted) return;
        this._attempt = 0;
        this._everOpened = true;
        this._dispatch('open');
        try {
            this._onOpen(connector, stream, signal);
        } catch (error) {
            // A fault in the facade's own set-up must not leave it `playing` without a `start`.
            this._log.error('setting up the session failed', { error });
        }
        this._emitBase('start', stream);
        this._startStats(connector);
        // Timings of the connector rebased on start(), emitted once the first frame is shown where
        // the facade shows one, else at once.
        void this._firstFrame(signal).then((shown) => {
            if (signal.aborted) return;
            const timings: SessionTimings = { session };
            if (offset === undefined) timings.prepared = true;
            else {
                for (const [step, ms] of Object.entries(connector.timings)) {
                    timings[step as keyof typeof connector.timings] = ms + offset;
                }
            }
            if (shown) timings.firstFrame = Math.round(now() - this._startedAt);
            this._emitBase('timings', timings);
        });
    }

    /** One stats interval per session (an open is valid once per session); {@link _closeSession} clears it. */
    private _startStats(connector: Connector): void {
        const interval = this._options.statsIntervalMs ?? 1000;
        if (interval <= 0) return;
        // The close event that clears it comes a microtask after the close: a tick in between sees
        // a connector that is no longer open, and does nothing.
        this._statsTimer = setInterval(() => {
            connector
                .connectionInfos()
                .then((infos) => (connector.opened ? this._onTick(connector, infos) : undefined))
                .catch(this._failed('stats'));
        }, interval);
    }

    /** The live session closed: wait for the stream, retry, or stop for good. */
    private _onSessionClose(error: RtcError | undefined): void {
        this._closeSession();
        if (!this._params) return;
        // A session that closes without an error was not closed by the app (stop() unsubscribes first).
        const reason = error ?? new RtcError('CONNECTION_LOST', 'session closed');
        const pollMs = this._offlinePollMs(reason);
        if (pollMs !== undefined) {
            this._dispatch('offline');
            return this._scheduleRetry(pollMs);
        }
        if (reason.retryable && !this._everOpened && ++this._failedStarts >= this._startAttempts()) {
            // Never opened: a configuration mistake (address, port, path) more likely than a loss.
            const attempts = this._failedStarts;
            return this._end(
                'failed',
                new RtcError(
                    reason.code,
                    `${reason.message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
                    {
                        retryable: false,
                        cause: reason,
                    },
                ),
            );
        }
        const attempt = this._attempt + 1;
        const delayMs = retryDelay(attempt, reason, this._options.reconnect);
        if (delayMs === undefined) return this._end('failed', reason);
        this._attempt = attempt;
        this._dispatch('lost');
        const info: ReconnectInfo = { attempt, delayMs, error: reason };
        this._emitBase('reconnecting', info);
        this._scheduleRetry(delayMs);
    }

    /** How many sessions a `start()` tries before one opens (the `reconnect` option's `startAttempts`). */
    private _startAttempts(): number {
        const reconnect = this._options.reconnect;
        const attempts = reconnect ? reconnect.startAttempts : undefined;
        return Math.max(1, nonNegative(attempts, DEFAULT_BACKOFF.startAttempts));
    }

    private _scheduleRetry(delayMs: number): void {
        // Cleared by _end: when it fires, the facade is still started.
        this._retryTimer = setTimeout(() => this._retry(), delayMs);
    }

    /**
     * Runs the pending retry now instead of after its delay (the Player's stream came back
     * online while it waited for it); nothing when none is pending. @internal
     */
    protected _retryNow(): void {
        if (this._retryTimer === undefined) return;
        clearTimeout(this._retryTimer);
        this._retry();
    }

    private _retry(): void {
        this._retryTimer = undefined;
        this._dispatch('retry');
        this._connect();
    }

    /**
     * Stops everything: cancels a pending retry, closes the connector, stops polling, releases what
     * the facade holds; fires `stop(error)` once per `start()`.
     */
    private _end(event: 'stop' | 'failed', error?: RtcError): void {
        if (!this._params) return;
        this._params = undefined;
        clearTimeout(this._retryTimer);
        this._retryTimer = undefined;
        this._closeSession();
        this._onStopped();
        this._dispatch(event);
        this._emitBase('stop', error);
    }

    private _closeSession(): void {
        clearInterval(this._statsTimer);
        this._sessionAbort?.abort();
        this._connector?.close();
        this._connector = undefined;
    }

    /**
     * Moves the state machine by `event`, emitting `state` on a change. An event the table does
     * not list for the current state is ignored (and logged): the flows above never produce one.
     */
    private _dispatch(event: FacadeEvent): void {
        const next = transition(this._transitions, this._state, event);
        if (next === undefined) {
            return this._log.debug(`ignored '${event}' in state '${this._state}'`);
        }
        if (next === this._state) return;
        this._state = next;
        this._emitBase('state', next);
    }

    /**
     * Emits one of the events every facade has. The facade's event map extends
     * {@link FacadeEvents} without changing these events, which TypeScript cannot prove for a
     * generic `M`: the base class emits through its own view of the map.
     */
    private _emitBase<K extends EventName<FacadeEvents<S>>>(event: K, ...args: FacadeEvents<S>[K]): void {
        (this as FacadeBase<S, FacadeEvents<S>, O>)._emit(event, ...args);
    }
}
