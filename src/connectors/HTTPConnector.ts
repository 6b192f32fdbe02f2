import type { EventHandlers } from '../core/Emitter';
import { buildHttpUrl } from '../core/endpoint';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions, FetchFunction } from '../core/types';
import { Connector, type ConnectorEvents } from './Connector';
import { parseIceServerLinks } from './links';

/** How much of an error response body goes into the error message. */
const MAX_ERROR_TEXT = 200;
/** A `DELETE` still pending after this long is abandoned (ms). */
const DELETE_TIMEOUT_MS = 10_000;

function truncate(text: string, max: number): string {
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** Maps a non-2xx HTTP status of the offer POST to an {@link RtcError}. */
function httpError(status: number, statusText: string, body: string, what: string): RtcError {
    const detail = `${what} failed with HTTP ${status}${statusText ? ` ${statusText}` : ''}${body ? `: ${truncate(body, MAX_ERROR_TEXT)}` : ''}`;
    if (status === 401 || status === 403) return new RtcError('ACCESS_DENIED', detail);
    if (status === 404) return new RtcError('STREAM_NOT_FOUND', detail);
    if (status >= 400 && status < 500) return new RtcError('REFUSED', detail, { retryable: false });
    if (status >= 500) return new RtcError('SIGNALING_FAILED', detail, { retryable: true });
    return new RtcError('SIGNALING_FAILED', detail);
}

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
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface only types property handlers
export class HTTPConnector extends Connector<ConnectorEvents> {
    /** The WHIP/WHEP endpoint the offer is posted to. */
    readonly url: string;

    private _resourceUrl: string | undefined;
    private _abort: AbortController | undefined;

    /**
     * Starts a WHIP session (with `stream`) or a WHEP session (without).
     * Throws `INVALID_ARGUMENT` synchronously for a bad endpoint or a missing stream name.
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}) {
        super(params, stream, options, stream ? 'whip' : 'whep');
        // _resolveStreamName ran inside super(), before this class's fields existed: rebuild here.
        this.url = buildHttpUrl(params, this.publishing).url;
        this._start();
    }

    /**
     * The session resource (the `Location` of the `201` response, resolved against the endpoint
     * URL), or `undefined` until the answer arrives or when the server gave none.
     */
    get resourceUrl(): string | undefined {
        return this._resourceUrl;
    }

    /** @internal */
    protected _resolveStreamName(): string {
        return buildHttpUrl(this._params, this.publishing).streamName;
    }

    /** @internal */
    protected async _sip(offer: string): Promise<string> {
        const fetchFn = this._fetch();
        const what = `${this.publishing ? 'WHIP' : 'WHEP'} POST`;
        const abort = (this._abort = new AbortController());
        /** A failure of the request or of reading its response: aborted by close, else lost. */
        const lost = (cause: unknown, step: string) =>
            abort.signal.aborted
                ? new RtcError('ABORTED', `${what} aborted`, { cause })
                : new RtcError('CONNECTION_LOST', `${what}${step} failed: ${errorText(cause)}`, {
                      cause,
                      retryable: true,
                  });
        let response: Response;
        let body: string;
        try {
            response = await fetchFn(this.url, {
                method: 'POST',
                headers: this._headers({ 'Content-Type': 'application/sdp', Accept: 'application/sdp' }),
                body: offer,
                signal: abort.signal,
            }).catch((cause: unknown) => Promise.reject(lost(cause, ` to ${this.url}`)));
            const ok = response.status === 200 || response.status === 201;
            if (ok) this._setResource(response);
            if (this.closed) {
                // Closed while the response was on its way: release what the server created.
                this._deleteResource();
                throw new RtcError('ABORTED', `${what} aborted`);
            }
            body = await response
                .text()
                .catch((cause: unknown) => Promise.reject(lost(cause, ': reading the response')));
            this._logger.debug(`${what} answered`, { status: response.status, resource: this._resourceUrl });
            if (!ok) throw httpError(response.status, response.statusText, body, what);
        } finally {
            if (this._abort === abort) this._abort = undefined;
        }
        this._addIceServers(response.headers.get('link'));
        return body;
    }

    /** @internal */
    protected _teardown(_error: RtcError | undefined): void {
        this._abort?.abort();
        this._abort = undefined;
        this._deleteResource();
    }

    private _fetch(): FetchFunction {
        // Resolved lazily so that importing the SDK never touches globals, and called detached
        // (never as `options.fetch(…)`) because browsers throw "Illegal invocation" otherwise.
        const fetchFn = this._options.fetch ?? (globalThis as { fetch?: FetchFunction }).fetch;
        if (typeof fetchFn !== 'function')
            throw new RtcError('NOT_SUPPORTED', 'fetch is not available on this platform');
        return fetchFn;
    }

    private _headers(extra: Record<string, string> = {}): Record<string, string> {
        const headers = { ...extra };
        if (this._params.accessToken) headers.Authorization = `Bearer ${this._params.accessToken}`;
        return headers;
    }

    private _setResource(response: Response): void {
        const location = response.headers.get('location');
        if (!location) {
            this._logger.debug('no Location in the response: the session cannot be deleted on close');
            return;
        }
        try {
            // Relative Locations are the norm; resolve them against the (possibly redirected) request URL.
            this._resourceUrl = new URL(location, response.url || this.url).toString();
        } catch (error) {
            this._logger.warn('invalid Location header ignored', { location, error });
        }
    }

    private _addIceServers(header: string | null): void {
        const servers = parseIceServerLinks(header);
        const pc = this._pc;
        if (servers.length === 0 || !pc) return;
        try {
            const current: RTCConfiguration =
                typeof pc.getConfiguration === 'function'
                    ? pc.getConfiguration()
                    : { iceServers: this._params.iceServers };
            pc.setConfiguration({ ...current, iceServers: [...(current.iceServers ?? []), ...servers] });
            this._logger.debug('ICE servers added from Link headers', { urls: servers.map((s) => s.urls) });
        } catch (error) {
            this._logger.warn('could not apply the ICE servers of the Link header', { error });
        }
    }

    /** Fires `DELETE <resource>` once, in the background: CORS may refuse it, close never waits. */
    private _deleteResource(): void {
        const url = this._resourceUrl;
        if (!url) return;
        this._resourceUrl = undefined;
        const abort = new AbortController();
        const timer = setTimeout(() => abort.abort(), DELETE_TIMEOUT_MS);
        new Promise<Response>((resolve) =>
            resolve(this._fetch()(url, { method: 'DELETE', headers: this._headers(), signal: abort.signal })),
        )
            .then(
                (response) => this._logger.debug('session resource deleted', { status: response.status }),
                (error: unknown) =>
                    this._logger.debug('DELETE of the session resource failed', { error: errorText(error) }),
            )
            .finally(() => clearTimeout(timer));
    }
}

// Property handlers (`connector.onOpen = …`) are read by Emitter at emit time; declaration
// merging only adds their types, no runtime fields.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- typed property handlers via declaration merging
export interface HTTPConnector extends EventHandlers<ConnectorEvents> {}
