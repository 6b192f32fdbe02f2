// Optional access tokens: the rules, where requests carry tokens, and every signaling path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Auth, parseTokenRules, requestToken } from '../../demo/server/auth.ts';
import type { RunningServer } from '../../demo/server/main.ts';
import { connect, playSdp, postOffer, publishSdp, sendJson, startTestServer } from './helpers.ts';

describe('token rules', () => {
    const auth = new Auth({
        cam: { publish: 'cam-pub' },
        'live+*': { publish: ['a', 'b'], play: 'view' },
        'live+vip*': { play: 'vip' },
        '*': { publish: 'admin' },
    });

    it('are off without rules', () => {
        expect(new Auth().enabled).toBe(false);
        expect(new Auth().check('cam', 'publish', undefined)).toEqual({ ok: true });
        expect(auth.enabled).toBe(true);
    });

    it('per role, the most specific rule naming it decides; a role no rule names is open', () => {
        expect(auth.check('cam', 'publish', 'cam-pub').ok).toBe(true);
        expect(auth.check('cam', 'publish', 'admin').ok).toBe(false); // the exact rule wins
        expect(auth.check('cam', 'play', undefined).ok).toBe(true);
        expect(auth.check('live+1', 'publish', 'b').ok).toBe(true);
        expect(auth.check('live+1', 'play', 'view').ok).toBe(true);
        expect(auth.check('live+vip1', 'play', 'vip').ok).toBe(true); // the longer prefix
        expect(auth.check('live+vip1', 'play', 'view').ok).toBe(false);
        expect(auth.check('live+vip1', 'publish', 'a').ok).toBe(true); // live+* still names publish
        expect(auth.check('other', 'publish', 'admin').ok).toBe(true);
        expect(auth.check('other', 'play', undefined).ok).toBe(true);
        expect(auth.check('cam2', 'publish', 'cam-pub').ok).toBe(false); // a name is not a prefix
    });

    it('say 401 without a token and 403 with a wrong one', () => {
        expect(auth.check('cam', 'publish', undefined)).toEqual({
            ok: false,
            status: 401,
            message: 'Access denied: a token is required to publish this stream',
        });
        expect(auth.check('live+1', 'play', '')).toMatchObject({ status: 401, message: /to play this stream$/ });
        expect(auth.check('cam', 'publish', 'cam-pu')).toEqual({
            ok: false,
            status: 403,
            message: 'Access denied: invalid token',
        });
    });

    it('refuse malformed configurations with a message naming the source', () => {
        expect(() => parseTokenRules('[]', 'TOKENS')).toThrow('TOKENS must be an object of stream names');
        expect(() => parseTokenRules('{"a*b": {"play": "x"}}', 'f.json')).toThrow(
            'f.json: "a*b" is not a stream name or a prefix ending in *',
        );
        expect(() => parseTokenRules('{"a": {"view": "x"}}', 'T')).toThrow('T: "a" has an unknown key "view"');
        expect(() => parseTokenRules('{"a": {"play": []}}', 'T')).toThrow(/"a".play must be a token/);
        expect(() => parseTokenRules('{"a": {"play": [1]}}', 'T')).toThrow(/"a".play must be a token/);
        expect(() => parseTokenRules('{"a": "x"}', 'T')).toThrow('T: "a" must be an object with publish and/or play');
        expect(() => new Auth({ a: { play: '' } })).toThrow(/"a".play must be a token/);
    });

    it('read tokens from Authorization: Bearer, else tkn, jwt, sid, sessId, id, accessToken', () => {
        const q = (s: string) => new URLSearchParams(s);
        expect(requestToken(q('tkn=q'), 'Bearer h')).toBe('h');
        expect(requestToken(q('tkn=q'), 'bearer  h ')).toBe('h');
        expect(requestToken(q('tkn=q'), 'Basic xyz')).toBe('q');
        for (const name of ['tkn', 'jwt', 'sid', 'sessId', 'id', 'accessToken']) {
            expect(requestToken(q(`video=1&${name}=t-${name}`))).toBe(`t-${name}`);
        }
        expect(requestToken(q('accessToken=old&tkn=new'))).toBe('new');
        expect(requestToken(q('tkn='))).toBeUndefined();
        expect(requestToken(q(''))).toBeUndefined();
    });
});

describe('a server with tokens', () => {
    let server: RunningServer;
    beforeAll(async () => {
        server = await startTestServer({
            tokens: { cam: { publish: 'pub-secret', play: 'view-secret' }, 'open*': { play: 'x' } },
            playWaitMs: 500,
        });
    });
    afterAll(() => server?.close());

    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    it('WHIP/WHEP: 401 without a token, 403 with a wrong one, with short clear texts', async () => {
        const none = await postOffer(server, '/whip/cam', publishSdp);
        expect(none.status).toBe(401);
        expect(none.headers.get('www-authenticate')).toBe('Bearer realm="rtcwire"');
        expect(await none.text()).toBe('Access denied: a token is required to publish this stream');
        const wrong = await postOffer(server, '/whip/cam', publishSdp, bearer('view-secret'));
        expect(wrong.status).toBe(403);
        expect(await wrong.text()).toBe('Access denied: invalid token');
        const play = await postOffer(server, '/whep/cam', playSdp);
        expect(play.status).toBe(401);
        expect(await play.text()).toBe('Access denied: a token is required to play this stream');
        expect(server.streams()).toEqual([]); // refused before any session existed
    });

    it('WHIP with the token publishes; only the same token ends the session, else the plain 404', async () => {
        const r = await postOffer(server, '/whip/cam', publishSdp, bearer('pub-secret'));
        expect(r.status).toBe(201);
        const location = r.headers.get('location')!;
        const del = (headers: Record<string, string> = {}) =>
            fetch(server.url + location, { method: 'DELETE', headers });
        for (const headers of [{}, bearer('view-secret'), bearer('pub-secret2')]) {
            const attempt = await del(headers);
            expect(attempt.status).toBe(404);
            expect(await attempt.text()).toBe('Not found');
        }
        expect(server.streams()).toMatchObject([{ name: 'cam', publisher: true }]);
        // WHEP with the play token gets the stream
        const play = await postOffer(server, '/whep/cam', playSdp, bearer('view-secret'));
        expect(play.status).toBe(201);
        expect(server.streams()).toMatchObject([{ name: 'cam', publisher: true, players: 1 }]);
        expect((await del(bearer('pub-secret'))).status).toBe(200);
        expect(server.streams()).toEqual([]);
    });

    it('an ICE restart PATCH needs the session’s token too: without it, the plain 404 and no restart', async () => {
        const r = await postOffer(server, '/whip/cam', publishSdp, bearer('pub-secret'));
        expect(r.status).toBe(201);
        const location = r.headers.get('location')!;
        const restart = (headers: Record<string, string>) =>
            fetch(server.url + location, {
                method: 'PATCH',
                headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': '*', ...headers },
                body: 'a=ice-ufrag:rst1\r\na=ice-pwd:restartpasswordnumber1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n',
            });
        for (const headers of [{}, bearer('view-secret'), bearer('pub-secret2')]) {
            const attempt = await restart(headers);
            expect(attempt.status).toBe(404);
            expect(await attempt.text()).toBe('Not found');
            expect(attempt.headers.get('etag')).toBeNull();
        }
        expect(server.streams()).toMatchObject([{ name: 'cam', iceRestarts: { publish: 0 } }]);
        const done = await restart(bearer('pub-secret'));
        expect(done.status).toBe(200);
        expect(done.headers.get('etag')).not.toBe(r.headers.get('etag'));
        expect(server.streams()).toMatchObject([{ name: 'cam', iceRestarts: { publish: 1 } }]);
        await fetch(server.url + location, { method: 'DELETE', headers: bearer('pub-secret') });
    });

    it('WHIP accepts the token as a query parameter too (MistServer clients send ?tkn=)', async () => {
        const r = await postOffer(server, '/whip/cam?tkn=pub-secret', publishSdp);
        expect(r.status).toBe(201);
        expect(
            (await fetch(server.url + r.headers.get('location')! + '?tkn=pub-secret', { method: 'DELETE' })).status,
        ).toBe(200);
    });

    it('WebSocket: the token is a query parameter; a denied offer gets on_error, then the socket closes', async () => {
        const denied = await connect(server, '/webrtc/cam?tkn=wrong');
        sendJson(denied, { type: 'offer_sdp', offer_sdp: publishSdp });
        expect(await denied.closed).toBe(1000);
        expect(denied.msgs).toEqual([
            { type: 'on_error', command: 'offer_sdp', message: 'Access denied: invalid token' },
        ]);
        const missing = await connect(server, '/webrtc/cam');
        sendJson(missing, { type: 'offer_sdp', offer_sdp: playSdp });
        expect(await missing.closed).toBe(1000);
        expect(missing.msgs[0]).toMatchObject({ message: 'Access denied: a token is required to play this stream' });
        for (const name of ['tkn', 'jwt', 'id', 'accessToken']) {
            const c = await connect(server, `/webrtc/cam?${name}=pub-secret`);
            sendJson(c, { type: 'offer_sdp', offer_sdp: publishSdp });
            expect((await c.next('on_answer_sdp')).result, name).toBe(true);
            c.ws.close();
            await c.closed;
            await new Promise((r) => setTimeout(r, 20));
        }
    });

    it('streams no rule names stay open', async () => {
        const r = await postOffer(server, '/whip/elsewhere', publishSdp);
        expect(r.status).toBe(201);
        await fetch(server.url + r.headers.get('location')!, { method: 'DELETE' });
        const open = await postOffer(server, '/whip/open-1', publishSdp); // open* names play only
        expect(open.status).toBe(201);
        expect((await postOffer(server, '/whep/open-1', playSdp)).status).toBe(401);
        await fetch(server.url + open.headers.get('location')!, { method: 'DELETE' });
    });
});

describe('a server without tokens (the default)', () => {
    it('lets anyone publish and play', async () => {
        const server = await startTestServer();
        try {
            const r = await postOffer(server, '/whip/cam', publishSdp, { Authorization: 'Bearer anything' });
            expect(r.status).toBe(201);
            expect((await fetch(server.url + r.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
        } finally {
            await server.close();
        }
    });
});
