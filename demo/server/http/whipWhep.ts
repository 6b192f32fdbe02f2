/**
 * WHIP (RFC 9725) and WHEP: `POST /whip/<stream>` publishes, `POST /whep/<stream>` plays,
 * `POST /webrtc/<stream>` does either (the offer's direction decides). The same endpoints are also
 * served in the shapes other servers use, so that clients are tested against URLs they must POST
 * to unchanged: `/whip|whep/endpoint/<stream>` (Janus) and `/live/<stream>/whip|whep` (a suffix).
 * Success is 201 with the answer, `Location: /whip|whep/<stream>/<id>`, the session's resource,
 * and an `ETag` naming its ICE session. `DELETE` on the resource ends the session; `PATCH` with
 * `application/trickle-ice-sdpfrag` (RFC 9725 §4.3) takes trickled candidates (204 when its
 * `If-Match` is absent or the current ETag, 412 otherwise; an ICE-lite server needs none), and
 * with `If-Match: *` restarts ICE: 200 with the server's new credentials and candidate in a
 * fragment, and a new ETag (405 where the session cannot restart, e.g. it ended).
 *
 * A resource is bound to what created it: the path must name its kind and its stream, and when
 * the session was opened with a token, DELETE/PATCH must carry that same token. Whatever fails
 * those checks gets exactly the answer an unknown path gets (404 "Not found"), so that a guesser
 * learns nothing — not even that an id exists — and ids are 128 random bits besides.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { requestToken, tokenDigest, tokenMatches, type Auth } from '../auth.ts';
import { NO_SESSION_FAULTS, type FaultSwitch, type SessionFaults } from '../faults.ts';
import type { Log } from '../log.ts';
import { openSession } from '../relay/openSession.ts';
import type { Session } from '../relay/Session.ts';
import { answerFragment, readFragment } from '../sdp/fragment.ts';
import { SignalError } from '../relay/SignalError.ts';
import type { StreamRegistry } from '../relay/StreamRegistry.ts';
import { streamFromPath } from '../streamName.ts';
import { notFound, readBody, send } from './respond.ts';

/** Read at most this much of a POST body (offers are validated to far less, with a clear 400). */
const MAX_BODY_BYTES = 1 << 20;
/** Read at most this much of a PATCH body (a few candidates). */
const MAX_FRAGMENT_BYTES = 64 * 1024;
/** A resource that ended can still be DELETEd this long (teardown is idempotent). */
const ENDED_RESOURCE_MS = 60_000;
/** The media type of trickle ICE and ICE restart bodies (RFC 8840). */
const SDPFRAG = 'application/trickle-ice-sdpfrag';

/**
 * A strong entity tag for a new ICE session (RFC 9725 §4.3.1): random, so that it says nothing
 * of the resource id (a credential) and never repeats an earlier ICE session's.
 */
function newEtag(): string {
    return `"${randomBytes(12).toString('base64url')}"`;
}

/** `If-Match: *` (RFC 9110 §13.1.1), also quoted as RFC 9725's examples write it. */
function matchesAny(ifMatch: string | undefined): boolean {
    return ifMatch?.trim() === '*' || ifMatch?.trim() === '"*"';
}

type ResourceKind = 'whip' | 'whep';

interface Resource {
    kind: ResourceKind;
    stream: string;
    session: Session;
    /** digest of the token the session was opened with (on a server with tokens) */
    token?: Buffer;
    /** the entity tag of the current ICE session: new at each ICE restart */
    etag: string;
    endedAt?: number;
}

/** The endpoint `pathname` names: `/whip|whep|webrtc/<s>`, `/whip|whep/endpoint/<s>` or `/live/<s>/whip|whep`. */
function endpointOf(pathname: string): { stream: string; prefix: 'whip' | 'whep' | 'webrtc' } | undefined {
    let match = /^\/(whip|whep|webrtc)\/(?:endpoint\/)?([^/]+)$/.exec(pathname);
    let prefix = match?.[1];
    let encoded = match?.[2];
    if (!match) {
        match = /^\/live\/([^/]+)\/(whip|whep)$/.exec(pathname);
        prefix = match?.[2];
        encoded = match?.[1];
    }
    // `/webrtc/endpoint/<s>` is no endpoint shape: only WHIP and WHEP have the Janus form.
    if (!prefix || encoded === undefined || (prefix === 'webrtc' && pathname.includes('/endpoint/'))) return undefined;
    const stream = streamFromPath(`/${encoded}`, '/');
    return stream === undefined ? undefined : { stream, prefix: prefix as 'whip' | 'whep' | 'webrtc' };
}

export interface WhipWhepContext {
    registry: StreamRegistry;
    auth: Auth;
    faults?: FaultSwitch;
    log: Log;
}

export class WhipWhep {
    private readonly resources = new Map<string, Resource>();
    private lastSweep = 0;

    constructor(private readonly ctx: WhipWhepContext) {}

    /** Whether `pathname` is a POST endpoint. */
    static isEndpoint(pathname: string): boolean {
        return endpointOf(pathname) !== undefined;
    }

    async post(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
        const endpoint = endpointOf(url.pathname);
        if (!endpoint) return notFound(res);
        const { stream, prefix } = endpoint;
        const type = (req.headers['content-type'] ?? '').toLowerCase();
        if (type && !type.startsWith('application/sdp')) return send(res, 415, 'Content-Type must be application/sdp');
        let offer: string;
        try {
            offer = await readBody(req, MAX_BODY_BYTES);
        } catch (e) {
            return this.fail(res, `POST ${url.pathname}`, e);
        }
        const f: SessionFaults = this.ctx.faults?.forSession(stream, url.searchParams) ?? NO_SESSION_FAULTS;
        if (f.answerDelay) await new Promise((r) => setTimeout(r, f.answerDelay));
        if (f.refuse) return send(res, 403, 'Refused (fault_refuse)');
        let aborted = false;
        res.on('close', () => {
            if (!res.writableFinished) aborted = true;
        });
        const token = requestToken(url.searchParams, req.headers.authorization);
        try {
            const { session, answer } = await openSession(this.ctx.registry, this.ctx.auth, {
                stream,
                offer,
                channel: { send: () => undefined, close: () => undefined },
                query: url.searchParams,
                faults: f,
                token,
                expected: prefix === 'whip' ? 'publish' : prefix === 'whep' ? 'play' : undefined,
            });
            if (aborted) {
                session.close();
                return;
            }
            const kind: ResourceKind = session.role === 'publish' ? 'whip' : 'whep';
            const etag = newEtag();
            this.add({
                kind,
                stream,
                session,
                etag,
                // without tokens on the server, the 128-bit id alone is the credential
                ...(token && this.ctx.auth.enabled ? { token: tokenDigest(token) } : {}),
            });
            if (f.dropSocketAfter) setTimeout(() => session.close(), f.dropSocketAfter);
            return send(res, 201, answer, {
                'Content-Type': 'application/sdp',
                Location: `/${kind}/${encodeURIComponent(stream)}/${session.id}`,
                ETag: etag,
            });
        } catch (e) {
            return this.fail(res, `POST ${url.pathname}`, e);
        }
    }

    /** DELETE or PATCH on a resource path. */
    async resource(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
        const r = this.authorised(req, url);
        if (!r) return notFound(res);
        if (req.method === 'PATCH') return this.patch(req, res, r);
        r.session.close();
        send(res, 200, '');
    }

    /**
     * Trickle ICE and ICE restarts (RFC 9725 §4.3). A trickle's candidates are counted: ICE-lite,
     * the client's checks find the server anyway. A restart (`If-Match: *`, new credentials in the
     * fragment) renegotiates the session's peer connection and answers with the new ICE session.
     */
    private async patch(req: http.IncomingMessage, res: http.ServerResponse, r: Resource): Promise<void> {
        const type = (req.headers['content-type'] ?? '').toLowerCase();
        if (!type.startsWith(SDPFRAG)) return send(res, 415, `Content-Type must be ${SDPFRAG}`);
        const ifMatch = req.headers['if-match'];
        const restart = matchesAny(ifMatch);
        if (!restart && ifMatch !== undefined && ifMatch !== r.etag) return send(res, 412, 'ETag does not match');
        let text: string;
        try {
            text = await readBody(req, MAX_FRAGMENT_BYTES);
        } catch (e) {
            return this.fail(res, 'PATCH', e);
        }
        const fragment = readFragment(text);
        if (restart) return this.restartIce(res, r, fragment.ufrag, fragment.pwd);
        const count = fragment.candidates.length;
        this.ctx.log('debug', `${r.kind} ${r.stream} ${r.session.id.slice(0, 6)}: ${count} trickled candidate(s)`);
        send(res, 204, '');
    }

    /** An ICE restart: 200 with the server's new ICE credentials and candidate, and a new ETag. */
    private async restartIce(res: http.ServerResponse, r: Resource, ufrag?: string, pwd?: string): Promise<void> {
        if (r.endedAt !== undefined) {
            return send(res, 405, 'ICE restart is not possible: the session ended', { Allow: 'DELETE, PATCH' });
        }
        let answer: string;
        try {
            answer = await r.session.restartIce(ufrag, pwd);
        } catch (e) {
            if (e instanceof SignalError && e.status === 405)
                return send(res, 405, e.message, { Allow: 'DELETE, PATCH' });
            return this.fail(res, 'PATCH', e);
        }
        r.etag = newEtag();
        send(res, 200, answerFragment(answer), { 'Content-Type': SDPFRAG, ETag: r.etag });
    }

    private add(r: Resource): void {
        this.sweep();
        this.resources.set(r.session.id, r);
        r.session.onClose.add(() => {
            r.endedAt = Date.now();
        });
    }

    /** The resource `url` names, if the request may act on it. */
    private authorised(req: http.IncomingMessage, url: URL): Resource | undefined {
        this.sweep();
        const [, kind, encodedStream, id] = /^\/(whip|whep)\/([^/]+)\/([^/]+)$/.exec(url.pathname) ?? [];
        const r = id ? this.resources.get(id) : undefined;
        if (!r || r.kind !== kind || r.stream !== streamFromPath(`/${encodedStream}`, '/')) return undefined;
        if (r.token && !tokenMatches(r.token, requestToken(url.searchParams, req.headers.authorization))) {
            return undefined;
        }
        return r;
    }

    /** Forgets resources ended long ago (at most once a second: it walks them all). */
    private sweep(): void {
        const now = Date.now();
        if (now - this.lastSweep < 1000) return;
        this.lastSweep = now;
        for (const [id, r] of this.resources) {
            if (r.endedAt !== undefined && now - r.endedAt > ENDED_RESOURCE_MS) this.resources.delete(id);
        }
    }

    private fail(res: http.ServerResponse, what: string, e: unknown): void {
        if (!(e instanceof SignalError) || e.status >= 500) {
            this.ctx.log('error', `${what} failed`, e);
            return send(res, 500, 'Internal server error');
        }
        const headers: Record<string, string> =
            e.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="rtcwire"' } : {};
        send(res, e.status, e.message, headers);
    }
}
