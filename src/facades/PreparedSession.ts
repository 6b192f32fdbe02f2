import { isMediaConnected } from '../connectors/connectionState';
import type { Connector } from '../connectors/Connector';
import { iceServersOf } from '../core/iceServers';
import type { ConnectParams } from '../core/types';

/** Whether two sets of connect params name the same session (endpoint, stream, token, query, ICE). */
export function sameParams(a: ConnectParams, b: ConnectParams): boolean {
    const query = (p: ConnectParams) => new URLSearchParams(p.query).toString();
    return (
        a.endPoint === b.endPoint &&
        a.streamName === b.streamName &&
        a.accessToken === b.accessToken &&
        query(a) === query(b) &&
        JSON.stringify(iceServersOf(a) ?? []) === JSON.stringify(iceServersOf(b) ?? [])
    );
}

/**
 * A session opened ahead of `start()` (see `Player.prepare`): its connector, what it was opened
 * for, and its expiry. It is either handed over to a start ({@link take}) or released (by
 * {@link release}, its timeout, or the connector closing by itself) — once.
 * @internal
 */
export class PreparedSession {
    private readonly _abort = new AbortController();
    private readonly _timer: ReturnType<typeof setTimeout>;
    private _done = false;

    /**
     * @param onEnd - called once when the session ends unused: expired, or its connector closed.
     */
    constructor(
        readonly connector: Connector,
        readonly params: ConnectParams,
        timeoutMs: number,
        private readonly onEnd: (reason: 'expired' | 'closed') => void,
    ) {
        this._timer = setTimeout(() => this._end('expired'), timeoutMs);
        connector.on('close', () => this._end('closed'), { signal: this._abort.signal });
    }

    /**
     * Whether `start()` would show the first frame after one round trip: the connector is open
     * (its tracks arrived) and its media path is up (ICE and DTLS connected), not merely answered.
     */
    get ready(): boolean {
        return !this._done && this.connector.opened && isMediaConnected(this.connector.peerConnection);
    }

    /** Whether it can still be used for `params`. */
    fits(params: ConnectParams): boolean {
        return !this._done && !this.connector.closed && sameParams(this.params, params);
    }

    /** Hands the connector over to a start: the expiry and the watch on it end, the connector lives on. */
    take(): Connector {
        this._finish();
        return this.connector;
    }

    /** Closes the connector, unused. */
    release(): void {
        this._finish();
        this.connector.close();
    }

    private _end(reason: 'expired' | 'closed'): void {
        if (this._done) return;
        this._finish();
        this.connector.close();
        this.onEnd(reason);
    }

    private _finish(): void {
        this._done = true;
        clearTimeout(this._timer);
        this._abort.abort();
    }
}
