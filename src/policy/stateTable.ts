/**
 * The Player's and the Streamer's state machines: typed transition tables that the facades go
 * through on every state change (`FacadeBase` looks the next state up here, and ignores an event
 * the table does not list for the current state).
 *
 * @packageDocumentation
 */

/**
 * State of a `Player`:
 * - `idle`: constructed, never started;
 * - `connecting`: `start()` called, the first session is being set up;
 * - `playing`: media flows;
 * - `reconnecting`: the session was lost and is being retried (backoff delay or a retry attempt);
 * - `offline`: the stream is not live (ended, or not published yet) and the player waits for it
 *   (option `waitForStream`);
 * - `stopped`: stopped by the app or by an error that is not retried. `start()` may run again.
 */
export type PlayerState = 'idle' | 'connecting' | 'playing' | 'reconnecting' | 'offline' | 'stopped';

/**
 * State of a `Streamer`: as {@link PlayerState} with `streaming` for `playing` and no
 * `offline` (a publisher whose session the server ends is stopped).
 */
export type StreamerState = 'idle' | 'connecting' | 'streaming' | 'reconnecting' | 'stopped';

/**
 * Facts that drive a facade's state:
 * - `start`: the app called `start()`;
 * - `open`: a session opened (media flows);
 * - `lost`: a session was lost and will be retried (its error is retryable, attempts are left);
 * - `retry`: the backoff delay (or the offline poll interval) elapsed, a new attempt begins;
 * - `offline`: the stream is not live and the player waits for it (Player only);
 * - `failed`: a session failed for good (not retryable, or out of attempts);
 * - `stop`: the app called `stop()`.
 */
export type FacadeEvent = 'start' | 'open' | 'lost' | 'retry' | 'offline' | 'failed' | 'stop';

/** A transition table: for each state, the state each valid event leads to. */
export type TransitionTable<S extends string> = Readonly<Record<S, Readonly<Partial<Record<FacadeEvent, S>>>>>;

/** Every {@link FacadeEvent}, in a stable order (for exhaustive loops). */
export const FACADE_EVENTS: readonly FacadeEvent[] = ['start', 'open', 'lost', 'retry', 'offline', 'failed', 'stop'];

/**
 * The Player's transitions. Notes on the choices:
 * - `start` is valid only when nothing runs (`idle`, `stopped`): restarting a running facade is
 *   `stop()` then `start()`, so the app sees the `stopped` state in between;
 * - `lost` while `connecting` goes to `reconnecting`: a first attempt that drops is retried too;
 * - a retry keeps `reconnecting`, and keeps `offline` while polling for the stream (the app's UI
 *   does not flicker through `connecting`); a loss while offline stays offline too;
 * - nothing leaves `stopped` but `start`: late events of a closed session are dropped.
 */
export const PLAYER_TRANSITIONS: TransitionTable<PlayerState> = {
    idle: { start: 'connecting' },
    connecting: { open: 'playing', lost: 'reconnecting', offline: 'offline', failed: 'stopped', stop: 'stopped' },
    playing: { lost: 'reconnecting', offline: 'offline', failed: 'stopped', stop: 'stopped' },
    reconnecting: {
        open: 'playing',
        lost: 'reconnecting',
        retry: 'reconnecting',
        offline: 'offline',
        failed: 'stopped',
        stop: 'stopped',
    },
    offline: {
        open: 'playing',
        lost: 'offline',
        retry: 'offline',
        offline: 'offline',
        failed: 'stopped',
        stop: 'stopped',
    },
    stopped: { start: 'connecting' },
};

/** The Streamer's transitions: the Player's without `offline` (an ended publish session is `failed`). */
export const STREAMER_TRANSITIONS: TransitionTable<StreamerState> = {
    idle: { start: 'connecting' },
    connecting: { open: 'streaming', lost: 'reconnecting', failed: 'stopped', stop: 'stopped' },
    streaming: { lost: 'reconnecting', failed: 'stopped', stop: 'stopped' },
    reconnecting: {
        open: 'streaming',
        lost: 'reconnecting',
        retry: 'reconnecting',
        failed: 'stopped',
        stop: 'stopped',
    },
    stopped: { start: 'connecting' },
};

/**
 * The state `event` leads to from `state` in `table`, or `undefined` when the event is not valid
 * there (the facade then ignores it). A valid event may keep the state (e.g. `retry` while
 * `reconnecting`); the facade emits `state` only on an actual change. Unknown states and events
 * (including `Object.prototype` member names) are not valid.
 *
 * @example
 * ```ts
 * transition(PLAYER_TRANSITIONS, 'playing', 'lost');       // 'reconnecting'
 * transition(PLAYER_TRANSITIONS, 'stopped', 'open');       // undefined: a late event, ignored
 * transition(STREAMER_TRANSITIONS, 'streaming', 'failed'); // 'stopped'
 * ```
 */
export function transition<S extends string>(table: TransitionTable<S>, state: S, event: FacadeEvent): S | undefined {
    const own = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);
    if (!own(table, state)) return undefined;
    const row = table[state];
    return own(row, event) ? row[event] : undefined;
}

/** The states of `table`, in its order. */
export function statesOf<S extends string>(table: TransitionTable<S>): S[] {
    return Object.keys(table) as S[];
}

/** Whether a facade in `state` has work under way (a session, a retry or a poll): not `idle`/`stopped`. */
export function isActive(state: PlayerState | StreamerState): boolean {
    return state !== 'idle' && state !== 'stopped';
}
