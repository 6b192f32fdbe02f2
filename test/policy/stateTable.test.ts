import { describe, expect, it } from 'vitest';
import {
    FACADE_EVENTS,
    isActive,
    PLAYER_TRANSITIONS,
    statesOf,
    STREAMER_TRANSITIONS,
    transition,
    type FacadeEvent,
    type PlayerState,
    type StreamerState,
} from '../../src/policy/stateTable';

// The expected tables, written out independently of the implementation: one row per state,
// one column per event in the order start, open, lost, retry, offline, failed, stop ('-' = invalid).
const EVENTS: FacadeEvent[] = ['start', 'open', 'lost', 'retry', 'offline', 'failed', 'stop'];

const PLAYER_EXPECTED: Record<PlayerState, string[]> = {
    idle: ['connecting', '-', '-', '-', '-', '-', '-'],
    connecting: ['-', 'playing', 'reconnecting', '-', 'offline', 'stopped', 'stopped'],
    playing: ['-', '-', 'reconnecting', '-', 'offline', 'stopped', 'stopped'],
    reconnecting: ['-', 'playing', 'reconnecting', 'reconnecting', 'offline', 'stopped', 'stopped'],
    offline: ['-', 'playing', 'offline', 'offline', 'offline', 'stopped', 'stopped'],
    stopped: ['connecting', '-', '-', '-', '-', '-', '-'],
};

const STREAMER_EXPECTED: Record<StreamerState, string[]> = {
    idle: ['connecting', '-', '-', '-', '-', '-', '-'],
    connecting: ['-', 'streaming', 'reconnecting', '-', '-', 'stopped', 'stopped'],
    streaming: ['-', '-', 'reconnecting', '-', '-', 'stopped', 'stopped'],
    reconnecting: ['-', 'streaming', 'reconnecting', 'reconnecting', '-', 'stopped', 'stopped'],
    stopped: ['connecting', '-', '-', '-', '-', '-', '-'],
};

const PLAYER_STATES = statesOf(PLAYER_TRANSITIONS);
const STREAMER_STATES = statesOf(STREAMER_TRANSITIONS);

describe('state table', () => {
    it('lists every state and event', () => {
        expect([...FACADE_EVENTS]).toEqual(EVENTS);
        expect([...PLAYER_STATES].sort()).toEqual(Object.keys(PLAYER_EXPECTED).sort());
        expect([...STREAMER_STATES].sort()).toEqual(Object.keys(STREAMER_EXPECTED).sort());
    });

    describe('Player: every state × every event', () => {
        const cases = PLAYER_STATES.flatMap((state) =>
            EVENTS.map((event, i) => [state, event, PLAYER_EXPECTED[state][i]] as const),
        );
        expect(cases).toHaveLength(6 * 7);
        it.each(cases)('%s + %s → %s', (state, event, expected) => {
            expect(transition(PLAYER_TRANSITIONS, state, event) ?? '-').toBe(expected);
        });
    });

    describe('Streamer: every state × every event', () => {
        const cases = STREAMER_STATES.flatMap((state) =>
            EVENTS.map((event, i) => [state, event, STREAMER_EXPECTED[state][i]] as const),
        );
        expect(cases).toHaveLength(5 * 7);
        it.each(cases)('%s + %s → %s', (state, event, expected) => {
            expect(transition(STREAMER_TRANSITIONS, state, event) ?? '-').toBe(expected);
        });
    });

    it('never leads a streamer to a player-only state', () => {
        for (const state of STREAMER_STATES) {
            for (const event of EVENTS) {
                const next = transition(STREAMER_TRANSITIONS, state, event);
                if (next !== undefined) expect(STREAMER_STATES).toContain(next);
            }
        }
    });

    it('stop is honoured from every active state and stopped is reachable only by refused/ended/stop', () => {
        for (const state of PLAYER_STATES.filter(isActive))
            expect(transition(PLAYER_TRANSITIONS, state, 'stop')).toBe('stopped');
        for (const state of STREAMER_STATES.filter(isActive)) {
            expect(transition(STREAMER_TRANSITIONS, state, 'stop')).toBe('stopped');
        }
    });

    it('drops unknown states and events (including prototype names)', () => {
        expect(transition(PLAYER_TRANSITIONS, 'toString' as PlayerState, 'start')).toBeUndefined();
        expect(transition(PLAYER_TRANSITIONS, 'idle', 'constructor' as FacadeEvent)).toBeUndefined();
        expect(transition(PLAYER_TRANSITIONS, 'idle', '__proto__' as FacadeEvent)).toBeUndefined();
        expect(transition(STREAMER_TRANSITIONS, 'playing' as StreamerState, 'lost')).toBeUndefined();
        expect(transition(PLAYER_TRANSITIONS, 'streaming' as PlayerState, 'lost')).toBeUndefined();
    });

    it('runs the issue scenario: connecting → playing → reconnecting → playing → offline → playing → stopped', () => {
        const events: FacadeEvent[] = [
            'start',
            'open',
            'lost',
            'retry',
            'lost',
            'retry',
            'open',
            'offline',
            'retry',
            'open',
            'stop',
            'open',
        ];
        const seen: PlayerState[] = [];
        let state: PlayerState = 'idle';
        for (const event of events) {
            const next: PlayerState | undefined = transition(PLAYER_TRANSITIONS, state, event);
            if (next !== undefined && next !== state) seen.push(next);
            state = next ?? state;
        }
        expect(seen).toEqual(['connecting', 'playing', 'reconnecting', 'playing', 'offline', 'playing', 'stopped']);
    });

    it('lets a stopped facade start again', () => {
        expect(transition(PLAYER_TRANSITIONS, 'stopped', 'start')).toBe('connecting');
        expect(transition(STREAMER_TRANSITIONS, 'stopped', 'start')).toBe('connecting');
    });

    it('isActive', () => {
        expect(PLAYER_STATES.filter(isActive)).toEqual(['connecting', 'playing', 'reconnecting', 'offline']);
        expect(STREAMER_STATES.filter(isActive)).toEqual(['connecting', 'streaming', 'reconnecting']);
    });
});
