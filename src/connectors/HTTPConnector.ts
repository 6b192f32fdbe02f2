import type { EventHandlers } from '../core/Emitter';
import { buildHttpUrl } from '../core/endpoint';
import { RtcError, type RtcErrorCode } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import { Connector, type ConnectorEvents } from './Connector';
import { parseIceServerLinks } from './links';

/**
 * A WHIP (publish) or WHEP (play) session: one `POST` of the offer to
 * `http[s]://host/whip|whep/<stream>`, the answer in the `201 Created` response, and a
 * best-effort `DELETE` of the session resource (`Location`) on {@link close}.
 *
 * Publishes when constructed with a `stream`, plays otherwise. The access token travels as
 * `Authorization: Bearer`; ICE servers listed in `Link: <…>; rel="ice-server"` response headers
 * are added to the peer connection.
 *
 * @example
 * ```ts
 * // Play (WHEP)
 * const player = new HTTPConnector({ endPoint: 'https://media.example.com', streamName: 'live' });
 * player.onOpen = (stream) => (video.srcObject = stream);
 * player.on('close', (error) => error && console.warn(error.code, error.message));
 *
 * // Publish (WHIP)
 * const camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
 * const publisher = new HTTPConnector(
 *     { endPoint: 'https://media.example.com/whip/live', accessToken: token },
 *     camera,
 * );
 * await publisher.once('open');
 * // …
 * publisher.close(); // sends DELETE <Location> in the background
 * ```
 */
/**
 * The error of a failed POST: 401/403 → `ACCESS_DENIED`, 404 → `STREAM_NOT_FOUND`, other 4xx →
 * `REFUSED`, else `SIGNALING_FAILED`; only 5xx may succeed on retry. The message carries the first
 * 200 characters of the body, on one line.
 */
function httpError(status: number, body: string): RtcError {
    let code: RtcErrorCode = 'SIGNALING_FAILED';
    if (status === 401 || status === 403) code = 'ACCESS_DENIED';
    else if (status === 404) code = 'STREAM_NOT_FOUND';
    else if (status >= 400 && status < 500) code = 'REFUSED';
    const text = `HTTP ${status} ${body.slice(0, 200)}`.replace(/\s+/g, ' ').trim();
    return new RtcError(code, text, { retryable: status >= 500 });
}

/** How long a `DELETE` of the session resource may stay pending before it is abandoned, ms. */
const DELETE_TIMEOUT_MS = 10_000;

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface only types property handlers
export class HTTPConnector extends Connector<ConnectorEvents> {
    /** The WHIP/WHEP endpoint the offer is posted to. */
    readonly url: string;
    private _resourceUrl: string | undefined;
    /** Aborts the POST when the session closes first. */
    private _abort: AbortController | undefined;

    /**
     * Starts a WHIP session (with `stream`) or a WHEP session (without).
     * Throws `INVALID_ARGUMENT` synchronously for a bad endpoint or a missing stream name.
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}) {
        super(params, stream, options, stream ? 'whip' : 'whep');
        this.url = buildHttpUrl(params, this.publishing).url;
    }

    /**
     * The session resource (the `Location` of the `201` response, resolved against the endpoint
     * URL), or `undefined` until the answer arrives, when the server gave none, and after close.
     */
    get resourceUrl(): string | undefined {
        return this._resourceUrl;
    }

    /** POSTs the offer; the `201` response's body is the answer. */
    protected async _sip(offer: string): Promise<string> {
        this._abort = new AbortController();
        // Without a fetch implementation this throws NOT_SUPPORTED, before the request.
        const request = this._fetch(this.url, 'POST', this._abort.signal, offer);
        let response: Response;
        let body: string;
        try {
            response = await request;
            // 2xx: WHIP/WHEP servers answer 201 (some 200).
            if (response.ok) this._readSession(response);
            body = await response.text();
        } catch (cause) {
            // The server cannot be reached, or the response broke off: a lost session (retried).
            throw new RtcError('CONNECTION_LOST', `POST failed: ${String(cause)}`, { cause });
        }
        if (!response.ok) throw httpError(response.status, body);
        return body;
    }

    /** Aborts a pending POST and ends the session resource (`DELETE`, in the background). */
    protected override _teardown(): void {
        this._abort?.abort();
        const url = this._resourceUrl;
        if (!url) return;
        this._resourceUrl = undefined;
        // CORS may refuse it, and close never waits for it: failures are only logged.
        this._fetch(url, 'DELETE', AbortSignal.timeout?.(DELETE_TIMEOUT_MS)).catch((error: unknown) =>
            this._log.debug('DELETE failed', { error }),
        );
    }

    /** Keeps the session resource (`Location`) and adds the ICE servers of the `Link` headers. */
    private _readSession(response: Response): void {
        const location = response.headers.get('location');
        const servers = parseIceServerLinks(response.headers.get('link'));
        try {
            // Relative Locations are the norm; resolve them against the (possibly redirected) request URL.
            if (location) this._resourceUrl = new URL(location, response.url || this.url).href;
        } catch (error) {
            // An invalid Location (a server bug): the session works, only its DELETE is lost.
            this._log.warn('invalid Location header', { location, error });
        }
        const pc = this.peerConnection;
        if (servers.length && pc) {
            try {
                pc.setConfiguration({
                    ...pc.getConfiguration(),
                    iceServers: [...(this._params.iceServers ?? []), ...servers],
                });
            } catch (error) {
                // A server the browser refuses (e.g. TURN without credentials): the others still work.
                this._log.warn('ICE servers of the Link header refused', { error });
            }
        }
        // Closed while the response was on its way: release what the server created.
        if (this.closed) this._teardown();
    }

    /**
     * A request with the access token. The fetch implementation is read at call time (importing
     * the SDK never touches globals) and called detached, never as `options.fetch(…)`: browsers
     * throw "Illegal invocation" otherwise. Throws `NOT_SUPPORTED` synchronously without a fetch.
     */
    private _fetch(url: string, method: string, signal?: AbortSignal, body?: string): Promise<Response> {
        const fetchImpl = this._platform('fetch');
        const headers: Record<string, string> = {};
        const token = this._params.accessToken;
        if (token) headers.Authorization = `Bearer ${token}`;
        if (body !== undefined) headers['Content-Type'] = headers.Accept = 'application/sdp';
        return fetchImpl(url, { method, headers, body, signal });
    }
}

// Property handlers (`connector.onOpen = …`) are read by Emitter at emit time; declaration
// merging only adds their types, no runtime fields.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- typed property handlers via declaration merging
export interface HTTPConnector extends EventHandlers<ConnectorEvents> {}
