import type { EventHandlers } from '../core/Emitter';
import { buildHttpUrl } from '../core/endpoint';
import { iceServersOf } from '../core/iceServers';
import { redact } from '../core/redact';
import { RtcError } from '../core/RtcError';
import type { ConnectParams, ConnectorOptions } from '../core/types';
import { readIceFragment, restartedRemoteDescription, trickleFragment, type FragmentCandidate } from '../sdp/fragment';
import { prepareOffer } from '../sdp/offer';
import { CommandConnector, type CommandConnectorEvents } from './CommandConnector';
import type { DataLink } from './DataLink';
import { httpError, MAX_ANSWER_BYTES, MAX_ERROR_BYTES, readBody, retryAfterMs, sameOrigin } from './http';
import { parseIceServerLinks } from './links';

/** How long the `DELETE` of the session resource may take before it is abandoned, ms. */
const DELETE_TIMEOUT_MS = 10_000;

/** The media type of trickle ICE and ICE restart `PATCH` bodies (RFC 8840). */
const SDPFRAG = 'application/trickle-ice-sdpfrag';

/** What a request carries besides its method. */
interface RequestOptions {
    /** An SDP offer (POST) or a fragment (PATCH). */
    body?: string;
    /** The body's media type. */
    contentType?: string;
    /** `If-Match` (PATCH). */
    ifMatch?: string;
    signal?: AbortSignal;
}

/**
 * A WHIP (publish) or WHEP (play) session: one `POST` of the offer to the endpoint, the answer in
 * the `201 Created` response, and a `DELETE` of the session resource (`Location`) on
 * {@link close}, sent before the peer connection closes (some servers end the session when its
 * media stops, and would then answer the DELETE with 404).
 *
 * The endpoint URL a server gives is used exactly as given (`https://host:7080/whip/endpoint/cam1`);
 * a bare host gets `/whip/<stream>` or `/whep/<stream>`. Publishes when constructed with a
 * `stream`, plays otherwise. The access token travels as `Authorization: Bearer`, and only to the
 * endpoint's origin: a `Location` on another origin gets its DELETE without it (a redirect to
 * another origin drops it too, by the Fetch standard). ICE servers listed in
 * `Link: <…>; rel="ice-server"` response headers are added to the peer connection.
 *
 * Failures say what to check: 401/403 `ACCESS_DENIED`, 404 `STREAM_NOT_FOUND`, 409 (or a 403
 * saying so) `STREAM_IN_USE`, a bad offer `SIGNALING_FAILED`, a network error
 * `SERVER_UNREACHABLE`; only 429 and 5xx are retryable (with `retryAfterMs` from `Retry-After`).
 * Response bodies are read with a cap (256 KB for an answer, 4 KB of an error text).
 *
 * **Commands over WHEP.** A play session also opens a `MistControl` data channel, where a
 * MistServer-compatible server takes the commands of the WebSocket signaling: `setTracks`,
 * `setVideoTrack`/`setAudioTrack`, `seek`, `setSpeed`, `hold`/`play`, with the same Promise
 * results as {@link WSController}'s, and reports `playing`, `speed`, `seeked`, `paused`.
 * Commands issued before the channel opens wait for it; where the server has none (its answer
 * rejects the data channel, or the channel does not open within 5 s of the media connection),
 * they reject with `NOT_SUPPORTED` and {@link controllable} is `false`. WHIP sessions take none.
 *
 * @example
 * ```ts
 * // Play (WHEP)
 * const player = new HTTPConnector({ endPoint: 'https://media.example.com', streamName: 'live' });
 * player.onOpen = (stream) => (video.srcObject = stream);
 * player.on('close', (error) => error && console.warn(error.code, error.message));
 *
 * await player.once('open');
 * await player.setVideoTrack(2); // over MistControl, where the server has it
 *
 * // Publish (WHIP) to the endpoint URL the server gave
 * const camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
 * const publisher = new HTTPConnector(
 *     { endPoint: 'https://media.example.com:7080/whip/endpoint/cam1', accessToken: token },
 *     camera,
 * );
 * await publisher.once('open');
 * // …
 * publisher.close(); // DELETE <Location>, then the peer connection closes
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged interface only types property handlers
export class HTTPConnector extends CommandConnector<CommandConnectorEvents> {
    /** The WHIP/WHEP endpoint the offer is posted to. */
    readonly url: string;
    private _resourceUrl: string | undefined;
    /** The session resource's entity tag (`ETag`), when the server exposes one. */
    private _etag: string | undefined;
    /** Aborts the POST when the session closes first. */
    private _abort: AbortController | undefined;
    /**
     * Whether the server takes trickle and ICE restart `PATCH`es: a 405 or 501 (no `PATCH` at
     * all) turns both off; a 422 (RFC 9725 §4.3.1: the server does the other one only) turns off
     * the kind it answered.
     */
    private _trickles = true;
    private _restarts = true;
    /** An ICE restart is under way (a second `disconnected` meanwhile starts none). */
    private _restarting = false;
    /** Local candidates not sent yet. */
    private _candidates: FragmentCandidate[] = [];
    /** Whether gathering completed, and whether the server was told so. */
    private _gathered = false;
    private _endSent = false;
    /** The PATCH requests, one after the other (an ICE restart must not overtake a trickle). */
    private _patches: Promise<unknown> = Promise.resolve();

    /**
     * Starts a WHIP session (with `stream`) or a WHEP session (without).
     * Throws `INVALID_ARGUMENT` synchronously for a bad endpoint or a missing stream name.
     */
    constructor(params: ConnectParams, stream?: MediaStream, options: ConnectorOptions = {}) {
        super(params, stream, options, stream ? 'whip' : 'whep');
        this.url = buildHttpUrl(params, this.publishing).url;
        if (this.publishing || options.dataChannels === false) {
            const why = this.publishing
                ? 'a WHIP session takes no commands'
                : 'no control channel (dataChannels: false)';
            this._control.close(new RtcError('NOT_SUPPORTED', why));
        }
    }

    /**
     * The session resource (the `Location` of the `201` response, resolved against the endpoint
     * URL), or `undefined` until the answer arrives, when the server gave none, and after close.
     */
    get resourceUrl(): string | undefined {
        return this._resourceUrl;
    }

    /** The session resource's `ETag`, when the server sent one and CORS exposes it. */
    get etag(): string | undefined {
        return this._etag;
    }

    /** POSTs the offer; the `201` response's body is the answer. */
    protected async _sip(offer: string): Promise<string> {
        const what = `${this.publishing ? 'WHIP' : 'WHEP'} POST`;
        this._abort = new AbortController();
        // Without a fetch implementation this throws NOT_SUPPORTED, before the request.
        const request = this._fetch(this.url, 'POST', {
            body: offer,
            contentType: 'application/sdp',
            signal: this._abort.signal,
        });
        let response: Response;
        try {
            response = await request;
        } catch (cause) {
            if (this.closed) throw cause;
            throw new RtcError(
                'SERVER_UNREACHABLE',
                `${what} ${this.url} failed: ${this._describe(cause)} (check the server address and port)`,
                { cause },
            );
        }
        if (!response.ok) {
            const { text } = await readBody(response, MAX_ERROR_BYTES).catch(() => ({ text: '' }));
            const retryAfter = retryAfterMs(response.headers.get('retry-after'));
            throw httpError(what, this.url, response.status, redact(text, this._params.accessToken), retryAfter);
        }
        this._readSession(response);
        // Candidates gathered during the POST go out now that the session resource is known.
        this._trickle();
        let body;
        try {
            body = await readBody(response, MAX_ANSWER_BYTES);
        } catch (cause) {
            throw new RtcError('CONNECTION_LOST', `${what} ${this.url}: the answer broke off`, { cause });
        }
        if (body.truncated) {
            throw new RtcError(
                'SIGNALING_FAILED',
                `${what} ${this.url}: the answer is larger than ${MAX_ANSWER_BYTES / 1024} KB (not an SDP answer)`,
            );
        }
        return body.text;
    }

    /**
     * Adds `MistControl` to a play session's data channels: once open, it carries the commands
     * and the server's reports. @internal
     */
    protected override _openDataChannels(pc: RTCPeerConnection): void {
        super._openDataChannels(pc);
        if (this.publishing) return;
        const link: DataLink = this._addDataLink(pc, 'MistControl', {
            open: () => this._control.attach((text) => void link.send(text)),
            message: (text) => this._receive(text),
            down: (reason) => {
                this._log.debug(`no commands: ${reason}`);
                this._control.close(new RtcError('NOT_SUPPORTED', `this session takes no commands: ${reason}`));
            },
        });
    }

    /**
     * Aborts a pending POST and ends the session resource: the `DELETE` goes out first, and the
     * peer connection closes once it settles (at the latest a second later).
     */
    protected override _teardown(error: RtcError | undefined): Promise<unknown> | undefined {
        super._teardown(error);
        this._abort?.abort();
        const url = this._resourceUrl;
        if (!url) return undefined;
        this._resourceUrl = undefined;
        // CORS may refuse it: failures are only logged.
        let request: Promise<unknown>;
        try {
            request = this._fetch(url, 'DELETE', { signal: AbortSignal.timeout?.(DELETE_TIMEOUT_MS) });
        } catch (error) {
            request = Promise.reject(error);
        }
        return request.catch((error: unknown) => this._log.debug('DELETE failed', { error }));
    }

    /** Trickle ICE: local candidates go to the session resource by `PATCH` (RFC 9725 §4.3.1). @internal */
    protected override _onIceCandidate(candidate: RTCIceCandidate | null): void {
        if (candidate) this._candidates.push({ candidate: candidate.candidate, sdpMid: candidate.sdpMid });
        else this._gathered = true;
        this._trickle();
    }

    /**
     * ICE restart by `PATCH` (RFC 9725 §4.3.2): new local credentials in a fragment with
     * `If-Match: *` (RFC 9110 §13.1.1's wildcard, unquoted: a quoted `"*"` is an entity tag that
     * a strict server compares with its own), after the trickle `PATCH`es before it; the
     * candidates of the new credentials follow by trickle with the `ETag` of the `200`, whose
     * fragment gives the server's new
     * credentials and candidates. A server without restarts (405, 501, 422), a failed request or
     * an answer that cannot be applied rolls the offer back and leaves the session to its
     * reconnection (after `disconnectedGraceMs`). @internal
     */
    protected override async _restartIce(): Promise<boolean> {
        const pc = this.peerConnection;
        if (!pc || !this._restarts || this._restarting || !this._resourceUrl) return false;
        if (pc.signalingState !== 'stable') return false;
        this._restarting = true;
        try {
            return await this._restartOn(pc);
        } finally {
            this._restarting = false;
        }
    }

    private async _restartOn(pc: RTCPeerConnection): Promise<boolean> {
        pc.restartIce();
        const { sdp = '' } = await pc.createOffer({ iceRestart: true });
        const offer = prepareOffer(sdp, { videoCodec: this._options.videoCodec });
        await pc.setLocalDescription({ type: 'offer', sdp: offer });
        // Candidates of the old credentials are of no use any more.
        this._candidates = [];
        this._gathered = this._endSent = false;
        // No restart: back to the description in force, for the reconnection to replace.
        const rollback = async () => {
            if (!this.closed) await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
            return false;
        };
        const response = await this._queuePatch(trickleFragment(offer, [], false), '*', 'restart');
        const remote = pc.remoteDescription?.sdp;
        if (!response || response.status !== 200 || !remote || this.closed) return rollback();
        try {
            const { text } = await readBody(response, MAX_ANSWER_BYTES);
            await pc.setRemoteDescription({
                type: 'answer',
                sdp: restartedRemoteDescription(remote, readIceFragment(text)),
            });
        } catch (error) {
            this._log.debug('the ICE restart answer could not be applied', { error });
            return rollback();
        }
        this._log.info('ICE restarted');
        return true;
    }

    /** Sends the candidates gathered so far in one `PATCH`, once the session resource is known. */
    private _trickle(): void {
        if (!this._resourceUrl || !this._trickles) return;
        void this._patches.then(() => {
            const candidates = this._candidates.splice(0);
            const end = this._gathered && !this._endSent;
            const local = this.peerConnection?.localDescription?.sdp;
            if ((!candidates.length && !end) || !local) return;
            this._endSent ||= end;
            return this._queuePatch(trickleFragment(local, candidates, end), this._etag, 'trickle');
        });
    }

    /**
     * A `PATCH` of `fragment` to the session resource, after the ones before it; resolves with the
     * response when it succeeded, `undefined` otherwise. A 405 or 501 (no PATCH support) turns
     * PATCH off for the session, a 422 this `kind` of PATCH (RFC 9725 §4.3.1), silently.
     */
    private _queuePatch(
        fragment: string,
        ifMatch: string | undefined,
        kind: 'trickle' | 'restart',
    ): Promise<Response | undefined> {
        const patch = this._patches.then(async () => {
            const url = this._resourceUrl;
            const wanted = kind === 'trickle' ? this._trickles : this._restarts;
            if (!url || !wanted || this.closed) return undefined;
            const response = await this._fetch(url, 'PATCH', { body: fragment, contentType: SDPFRAG, ifMatch });
            if (response.status === 405 || response.status === 501) {
                this._trickles = this._restarts = false;
                return undefined;
            }
            if (response.status === 422) {
                if (kind === 'trickle') this._trickles = false;
                else this._restarts = false;
                return undefined;
            }
            if (!response.ok) {
                this._log.debug(`PATCH answered HTTP ${response.status}`);
                return undefined;
            }
            this._etag = response.headers.get('etag') ?? this._etag;
            return response;
        });
        // A failed PATCH is logged and does not stop the ones after it.
        this._patches = patch.catch((error: unknown) => this._log.debug('PATCH failed', { error }));
        return patch.catch(() => undefined);
    }

    /** Keeps the session resource (`Location`, `ETag`) and adds the ICE servers of the `Link` headers. */
    private _readSession(response: Response): void {
        const location = response.headers.get('location');
        this._etag = response.headers.get('etag') ?? undefined;
        try {
            // Relative Locations are the norm; resolve them against the (possibly redirected) request URL.
            if (location) this._resourceUrl = new URL(location, response.url || this.url).href;
        } catch (error) {
            // An invalid Location (a server bug): the session works, only its DELETE is lost.
            this._log.warn('invalid Location header', { location, error });
        }
        const servers = parseIceServerLinks(response.headers.get('link'));
        const pc = this.peerConnection;
        if (servers.length && pc) {
            try {
                pc.setConfiguration({
                    ...pc.getConfiguration(),
                    iceServers: [...(iceServersOf(this._params) ?? []), ...servers],
                });
            } catch (error) {
                // A server the browser refuses (e.g. TURN without credentials): the others still work.
                this._log.warn('ICE servers of the Link header refused', { error });
            }
        }
        // Closed while the response was on its way: release what the server created.
        if (this.closed) void this._teardown(undefined);
    }

    /** A failure's text for a message, the token redacted. */
    private _describe(cause: unknown): string {
        const text = cause instanceof Error ? cause.message : String(cause);
        return redact(text, this._params.accessToken);
    }

    /**
     * A request, with the access token when `url` is on the endpoint's origin. The fetch
     * implementation is read at call time (importing the SDK never touches globals) and called
     * detached, never as `options.fetch(…)`: browsers throw "Illegal invocation" otherwise. Throws
     * `NOT_SUPPORTED` synchronously without a fetch.
     */
    private _fetch(url: string, method: string, init: RequestOptions = {}): Promise<Response> {
        const fetchImpl = this._platform('fetch');
        const headers: Record<string, string> = {};
        const token = this._params.accessToken;
        if (token && sameOrigin(url, this.url)) headers.Authorization = `Bearer ${token}`;
        if (init.contentType) headers['Content-Type'] = headers.Accept = init.contentType;
        if (init.ifMatch) headers['If-Match'] = init.ifMatch;
        return fetchImpl(url, { method, headers, body: init.body, signal: init.signal });
    }
}

// Property handlers (`connector.onOpen = …`) are read by Emitter at emit time; declaration
// merging only adds their types, no runtime fields.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- typed property handlers via declaration merging
export interface HTTPConnector extends EventHandlers<CommandConnectorEvents> {}
