import type { EventHandlers } from '../core/Emitter';
import { buildHttpUrl } from '../core/endpoint';
import { RtcError } from '../core/RtcError';
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
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface only types property handlers
export class HTTPConnector extends Connector<ConnectorEvents> {
    // Set by _resolveStreamName, which runs inside super(): `declare` emits no field that would reset it.
    /** The WHIP/WHEP endpoint the offer is posted to. */
    declare readonly url: string;

    /**
     * The session resource (the `Location` of the `201` response, resolved against the endpoint
     * URL), or `undefined` until the answer arrives or when the server gave none.
     */
    readonly resourceUrl?: string;
    private _abort: AbortController | undefined;

    /**
     * Starts a WHIP session (with `stream`) or a WHEP session (without).
     * Throws `INVALID_ARGUMENT` synchronously for a bad endpoint or a missing stream name.
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}) {
        super(params, stream, options, stream ? 'whip' : 'whep');
    }

    /** @internal */
    protected _resolveStreamName(): string {
        const { url, streamName } = buildHttpUrl(this._params, this.publishing);
        (this as { url: string }).url = url;
        return streamName;
    }

    /** @internal */
    protected async _sip(offer: string): Promise<string> {
        /** A failure of the request or of reading its response (after close, a no-op). */
        const lost = (cause: unknown): never => {
            this._lost(`POST failed: ${cause}`, cause);
            throw cause;
        };
        const response = await this._fetch(this.url, 'POST', (this._abort = new AbortController()).signal, offer).catch(
            lost,
        );
        // 2xx: WHIP/WHEP servers answer 201 (some 200).
        const { ok, status, headers } = response;
        if (ok) {
            const location = headers.get('location');
            const servers = parseIceServerLinks(headers.get('link'));
            try {
                // Relative Locations are the norm; resolve them against the (possibly redirected) request URL.
                if (location)
                    (this as { resourceUrl?: string }).resourceUrl = new URL(location, response.url || this.url).href;
                // After close there is no peer connection: the TypeError is only logged.
                const pc = this.peerConnection!;
                if (servers.length)
                    pc.setConfiguration({
                        ...pc.getConfiguration?.(),
                        iceServers: [...(this._params.iceServers ?? []), ...servers],
                    });
            } catch (error) {
                // An invalid Location (a server bug) leaves the Link ICE servers out too.
                this._log.warn('bad Location or ICE servers', { location, error });
            }
            // Closed while the response was on its way: release what the server created.
            if (this.closed) this._teardown();
        }
        const body = await response.text().catch(lost);
        if (!ok) {
            // 401/403 → ACCESS_DENIED, 404 → STREAM_NOT_FOUND, other 4xx → REFUSED, else
            // SIGNALING_FAILED; only 5xx may succeed on retry.
            throw new RtcError(
                status === 401 || status === 403
                    ? 'ACCESS_DENIED'
                    : status === 404
                      ? 'STREAM_NOT_FOUND'
                      : status >= 400 && status < 500
                        ? 'REFUSED'
                        : 'SIGNALING_FAILED',
                // The first 200 characters of the body, on one line.
                `HTTP ${status} ${body.slice(0, 200)}`.replace(/\s+/g, ' ').trim(),
                { retryable: status >= 500 },
            );
        }
        return body;
    }

    /** @internal */
    protected _teardown(): void {
        this._abort?.abort();
        // DELETE <resource> once, in the background: CORS may refuse it, close never waits.
        const url = this.resourceUrl;
        if (url) {
            (this as { resourceUrl?: string }).resourceUrl = undefined;
            // A DELETE still pending after 10 s is abandoned (where AbortSignal.timeout exists).
            new Promise<Response>((resolve) =>
                resolve(this._fetch(url, 'DELETE', AbortSignal.timeout?.(10_000))),
            ).catch((error: unknown) => this._log.debug('DELETE failed', { error }));
        }
    }

    /**
     * A request with the access token (resolved lazily so that importing the SDK never touches
     * globals, and called detached, never as `options.fetch(…)`: browsers throw "Illegal
     * invocation" otherwise). Throws `NOT_SUPPORTED` synchronously without a fetch.
     */
    private _fetch(url: string, method: string, signal?: AbortSignal, body?: string): Promise<Response> {
        const token = this._params.accessToken;
        const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
        if (body) headers['Content-Type'] = headers.Accept = 'application/sdp';
        return this._platform('fetch')(url, { method, headers, body, signal });
    }
}

// Property handlers (`connector.onOpen = …`) are read by Emitter at emit time; declaration
// merging only adds their types, no runtime fields.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- typed property handlers via declaration merging
export interface HTTPConnector extends EventHandlers<ConnectorEvents> {}
