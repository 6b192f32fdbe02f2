import { RtcError } from '../core/RtcError';
import { retryDelay, type BackoffOptions } from './backoff';

/**
 * The retries of a connection that reconnects by itself for ever (the metadata and data
 * WebSockets): each failure schedules the next attempt after a backoff delay (see
 * {@link retryDelay}; `maxAttempts` does not apply), a success resets the count. One timer at a
 * time; {@link cancel} clears it.
 * @internal
 */
export class Retrier {
    private _attempt = 0;
    private _timer: ReturnType<typeof setTimeout> | undefined;

    /** @param _options - the backoff (default from 250 ms up to 10 s). */
    constructor(private readonly _options: BackoffOptions = {}) {}

    /** Failed attempts since the last success. */
    get attempt(): number {
        return this._attempt;
    }

    /** Runs `attempt` after the next backoff delay (replacing a pending one); returns the delay, ms. */
    failed(attempt: () => void): number {
        const lost = new RtcError('CONNECTION_LOST', 'connection lost');
        const delay = retryDelay(++this._attempt, lost, { ...this._options, maxAttempts: Infinity }) ?? 0;
        this.later(attempt, delay);
        return delay;
    }

    /** Runs `next` after `ms` (replacing a pending one): the next step of a connection that works. */
    later(next: () => void, ms: number): void {
        clearTimeout(this._timer);
        this._timer = setTimeout(next, ms);
    }

    /** The connection works: the next failure waits the shortest delay again. */
    succeeded(): void {
        this._attempt = 0;
    }

    /** Clears the pending attempt. */
    cancel(): void {
        clearTimeout(this._timer);
        this._timer = undefined;
    }
}
