/**
 * The Player's and the Streamer's state machines, as data: their specification. The facades
 * (FacadeBase) enter these states directly, where the facts (events) happen; an event the table
 * does not list for the current state cannot happen there (a late event from a replaced session
 * is dropped with its subscriptions, a `stop()` after `stop()` does nothing). The facade tests
 * check every state change they see against this table.
 *
 * @packageDocumentation
 */

/**
 * State of a `Player`:
 * - `idle`: constructed, never started;
 * - `connecting`: `start()` called, the first session is being set up;
 * - `playing`: media flows;
 * - `reconnecting`: the session was lost and is being retried (backoff delay or a retry attempt);
 * - `offline`: the server ended the stream (or it is not live); with `waitForStream` the player polls;
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
 * - `lost`: a session was lost and will be retried (the facade decided so with `shouldRetry`);
 * - `retry`: the backoff delay (or the offline poll interval) elapsed, a new attempt begins;
 * - `ended`: the server ended the stream (`on_stop`, stream not live);
 * - `refused`: a session failed for good (not retryable, or out of attempts);
 * - `stop`: the app called `stop()`.
 */
export type FacadeEvent = 'start' | 'open' | 'lost' | 'retry' | 'ended' | 'refused' | 'stop';

/** Every {@link FacadeEvent}, in a stable order (for exhaustive loops). */
export const FACADE_EVENTS: readonly FacadeEvent[] = ['start', 'open', 'lost', 'retry', 'ended', 'refused', 'stop'];

/** Every {@link PlayerState}. */
export const PLAYER_STATES: readonly PlayerState[] = [
    'idle',
    'connecting',
    'playing',
    'reconnecting',
    'offline',
    'stopped',
];

/** Every {@link StreamerState} (the Player's, at the same indexes, with `stopped` for `offline`). */
export const STREAMER_STATES: readonly StreamerState[] = ['idle', 'connecting', 'streaming', 'reconnecting', 'stopped'];

/**
 * The state `event` leads to from `state`, or `undefined` when the event is invalid in that
 * state (the facade then ignores it). A valid event may keep the state (e.g. `retry` while
 * `reconnecting`); the facade emits `state` only on an actual change.
 *
 * @param role - which machine: `'player'` or `'streamer'`.
 *
 * @example
 * ```ts
 * transition('playing', 'lost', 'player');      // 'reconnecting'
 * transition('stopped', 'open', 'player');      // undefined: a late event, ignored
 * transition('streaming', 'ended', 'streamer'); // 'stopped'
 * ```
 */
export function transition(state: PlayerState, event: FacadeEvent, role: 'player'): PlayerState | undefined;
export function transition(state: StreamerState, event: FacadeEvent, role: 'streamer'): StreamerState | undefined;
export function transition(
    state: PlayerState | StreamerState,
    event: FacadeEvent,
    role: 'player' | 'streamer',
): PlayerState | StreamerState | undefined {
    // The tables, one row per state (in PLAYER_STATES / STREAMER_STATES order), one column per
    // event (in FACADE_EVENTS order): the index of the next state, '-' where the event is invalid.
    //                 start open lost retry ended refused stop
    // idle              1    -    -    -     -      -      -
    // connecting        -    2    3    -     4      5      5     (player; the streamer's stopped is 4)
    // playing           -    -    3    -     4      5      5
    // reconnecting      -    2    3    3     4      5      5
    // offline           -    2    4    4     4      5      5     (player only)
    // stopped           1    -    -    -     -      -      -
    // Notes on the choices:
    // - `start` is valid only when nothing runs (`idle`, `stopped`): restarting a running facade is
    //   `stop()` then `start()`, so the app sees the `stopped` state in between.
    // - A retry keeps `reconnecting` (the issue's `playing → reconnecting → playing`), and keeps
    //   `offline` while polling for the stream: the app's UI does not flicker through `connecting`.
    // - `lost` while `connecting` goes to `reconnecting`: a first attempt that drops is retried too.
    // - Nothing leaves `stopped` but `start`: late events of a closed session are dropped.
    // - The Streamer has no `offline`: `ended` stops a publisher.
    // Unknown states and events (a state of the other machine, a prototype member name) find no
    // row or column: undefined.
    const player = role === 'player';
    const states: readonly string[] = player ? PLAYER_STATES : STREAMER_STATES;
    const next = (
        player ? '1------ -23-455 --3-455 -233455 -244455 1------' : '1------ -23-444 --3-444 -233444 1------'
    ).split(' ')[states.indexOf(state)]?.[FACADE_EVENTS.indexOf(event)];
    // A digit string indexes the array; '-' and undefined index nothing.
    return states[next as unknown as number] as PlayerState | StreamerState | undefined;
}

/** Whether a facade in `state` has work under way (a session, a retry or a poll): not `idle`/`stopped`. */
export function isActive(state: PlayerState | StreamerState): boolean {
    return state !== 'idle' && state !== 'stopped';
}
