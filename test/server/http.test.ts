// HTTP side of the reference server: static files, stream info, CORS, WHIP/WHEP errors, the fault
// endpoint. WHIP sessions created here never connect (no browser): werift only binds 127.0.0.1.
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, write } from 'sdp-transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServable } from '../../demo/server/http/staticFiles.ts';
import type { RunningServer } from '../../demo/server/main.ts';
import { firefoxPlaySdp, firefoxPublishSdp, playSdp, postOffer, publishSdp, startTestServer } from './helpers.ts';

describe('static files', () => {
    it('serves demo/ and dist/ only, minus the server, the developer scripts and dot files', () => {
        expect(isServable('demo/index.html')).toBe(true);
        expect(isServable('demo/app/player.js')).toBe(true);
        expect(isServable('dist/rtcwire.iife.js')).toBe(true);
        for (const p of [
            'demo/server/main.ts',
            'demo/dev/screenshot.mjs',
            'demo/.env',
            'dist/.cache/x',
            'package.json',
            '../secret.txt',
            'demo',
            'demo/',
            'src/index.ts',
        ]) {
            expect(isServable(p), p).toBe(false);
        }
    });
});

describe('http server', () => {
    let server: RunningServer;
    let root: string;
    beforeAll(async () => {
        root = mkdtempSync(path.join(tmpdir(), 'rtcwire-srv-'));
        const repo = path.join(root, 'repo');
        for (const dir of ['demo/server', 'demo/dev', 'dist']) mkdirSync(path.join(repo, dir), { recursive: true });
        writeFileSync(path.join(repo, 'demo', 'index.html'), '<!doctype html><title>demo</title>');
        writeFileSync(path.join(repo, 'demo', 'app.css'), 'body{}');
        writeFileSync(path.join(repo, 'demo', '.env'), 'secret env');
        writeFileSync(path.join(repo, 'demo', 'server', 'main.ts'), 'secret source');
        writeFileSync(path.join(repo, 'demo', 'dev', 'screenshot.mjs'), 'secret dev script');
        writeFileSync(path.join(repo, 'dist', 'rtcwire.js'), 'export {}');
        writeFileSync(path.join(repo, 'package.json'), '{}');
        writeFileSync(path.join(root, 'secret.txt'), 'secret');
        symlinkSync(path.join(root, 'secret.txt'), path.join(repo, 'demo', 'link.txt'));
        server = await startTestServer({ root: repo, faults: true });
    });
    afterAll(() => server?.close());

    const get = (p: string, init?: RequestInit) => fetch(server.url + p, init);

    it('binds to loopback on a free port', () => {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(server.port).toBeGreaterThan(0);
    });

    it('serves static files with the right content type', async () => {
        const index = await get('/');
        expect(index.status).toBe(200);
        expect(index.headers.get('content-type')).toMatch(/text\/html/);
        expect(await index.text()).toContain('<title>demo</title>');
        expect((await get('/demo/app.css')).headers.get('content-type')).toMatch(/text\/css/);
        const js = await get('/dist/rtcwire.js');
        expect(js.headers.get('content-type')).toMatch(/text\/javascript/);
        expect((await get('/dist/nope.js')).status).toBe(404);
        expect((await get('/demo/app.css', { method: 'HEAD' })).headers.get('content-length')).toBe('6');
    });

    it('refuses traversal, the server sources, the developer scripts, dot files and links out', async () => {
        for (const p of [
            '/demo/../package.json',
            '/demo/%2e%2e/package.json',
            '/dist/..%2f..%2fsecret.txt',
            '/dist/%2e%2e%2f%2e%2e%2fsecret.txt',
            '/demo/server/main.ts',
            '/demo/%73erver/main.ts',
            '/demo/dev/screenshot.mjs',
            '/demo/dev%2fscreenshot.mjs',
            '/demo/.env',
            '/demo/link.txt',
            '/demo/%00',
            '/demo/%zz',
            '/demo/..%5c..%5csecret.txt',
            '/demo/',
        ]) {
            const r = await get(p);
            expect([400, 404], p).toContain(r.status);
            expect(await r.text(), p).not.toMatch(/secret|^\{\}$/);
        }
    });

    it('answers CORS preflight and exposes Location', async () => {
        const r = await get('/whip/cam', { method: 'OPTIONS' });
        expect(r.status).toBe(204);
        expect(r.headers.get('access-control-allow-origin')).toBe('*');
        expect(r.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
        expect(r.headers.get('access-control-expose-headers')).toMatch(/Location/);
    });

    it('lists streams as JSON', async () => {
        const r = await get('/streams');
        expect(r.headers.get('content-type')).toMatch(/application\/json/);
        expect(await r.json()).toEqual([]);
    });

    it("answers Firefox's bundle-only video sections: published and played, not rejected", async () => {
        const pub = await postOffer(server, '/whip/ffcam', firefoxPublishSdp);
        expect(pub.status).toBe(201);
        expect(await pub.text()).toMatch(/^m=video 9 UDP\/TLS\/RTP\/SAVPF 120\r$/m);
        const play = await postOffer(server, '/whep/ffcam', firefoxPlaySdp);
        expect(play.status).toBe(201);
        const answer = await play.text();
        expect(answer).toMatch(/^m=video 9 UDP\/TLS\/RTP\/SAVPF 120\r$/m);
        expect(answer).toMatch(/^a=sendonly\r$/m);
        await fetch(new URL(pub.headers.get('location')!, server.url), { method: 'DELETE' });
    });

    it('fault_reject=video answers the video section rejected, publish and play alike', async () => {
        const faulty = await startTestServer({ faults: true });
        try {
            const pub = await postOffer(faulty, '/whip/cam?fault_reject=video', publishSdp);
            expect(pub.status).toBe(201);
            const answer = await pub.text();
            expect(answer).toMatch(/^m=video 0 /m);
            expect(answer).toMatch(/^m=audio 9 /m);
            const ok = await postOffer(faulty, '/whip/cam2', publishSdp);
            const play = await postOffer(faulty, '/whep/cam2?fault_reject=video', playSdp);
            expect(await play.text()).toMatch(/^m=video 0 /m);
            for (const r of [pub, ok])
                await fetch(new URL(r.headers.get('location')!, faulty.url), { method: 'DELETE' });
        } finally {
            await faulty.close();
        }
    });

    it('rejects bad WHIP/WHEP requests cleanly', async () => {
        const garbage = await postOffer(server, '/whip/cam', 'garbage');
        expect(garbage.status).toBe(400);
        expect(await garbage.text()).toBe('Invalid offer: not an SDP offer');
        expect((await postOffer(server, '/whip/cam', playSdp)).status).toBe(400); // recvonly offer on WHIP
        expect((await postOffer(server, '/whep/cam', publishSdp)).status).toBe(400); // sendonly offer on WHEP
        const t0 = Date.now();
        expect((await postOffer(server, '/whep/nobody', playSdp)).status).toBe(404); // after the wait
        expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
        expect((await postOffer(server, '/whip/cam?fault_refuse=1', publishSdp)).status).toBe(403);
        const wrongType = await postOffer(server, '/whip/cam', publishSdp, { 'Content-Type': 'text/plain' });
        expect(wrongType.status).toBe(415);
        expect((await get('/whip/', { method: 'POST', body: 'x' })).status).toBe(404);
        expect((await get('/whip/cam', { method: 'PUT', body: 'x' })).status).toBe(405);
    });

    it('refuses a body over 1 MiB with 413 (the client gets the answer, not a reset)', async () => {
        const r = await postOffer(server, '/whip/cam', 'v=0\r\n' + 'x'.repeat(2 << 20));
        expect(r.status).toBe(413);
        expect(await r.text()).toBe('Body too large (limit 1048576 bytes)');
    });

    it('ends a WHIP resource with DELETE, idempotently', async () => {
        // A resource that ended (its peer never connected here) can still be DELETEd.
        const created = await postOffer(server, '/whip/idem', publishSdp);
        expect(created.status).toBe(201);
        const location = created.headers.get('location')!;
        expect(location).toMatch(/^\/whip\/idem\/[A-Za-z0-9_-]{22}$/);
        expect(server.streams()).toMatchObject([{ name: 'idem', publisher: true }]);
        expect((await get(location, { method: 'DELETE' })).status).toBe(200);
        expect(server.streams()).toEqual([]);
        expect((await get(location, { method: 'DELETE' })).status).toBe(200);
    });

    it('answers a kind the stream lacks inactive, not rejected, so the BUNDLE tag stays (a video-only stream)', async () => {
        const offer = parse(publishSdp);
        offer.media = offer.media.filter((m) => m.type === 'video');
        offer.groups = [{ type: 'BUNDLE', mids: String(offer.media[0]!.mid) }];
        const published = await postOffer(server, '/whip/video-only', write(offer));
        expect(published.status).toBe(201);
        const played = await postOffer(server, '/whep/video-only', playSdp);
        expect(played.status).toBe(201);
        const answer = parse(await played.text());
        const [audio, video] = answer.media;
        expect([audio!.type, audio!.port, audio!.direction]).toEqual(['audio', 9, 'inactive']);
        expect([video!.type, video!.direction]).toEqual(['video', 'sendonly']);
        expect(answer.groups?.[0]?.mids).toBe(`${audio!.mid} ${video!.mid}`);
        await get(published.headers.get('location')!, { method: 'DELETE' });
    });

    it('serves WHIP/WHEP also under the endpoint shapes of other servers', async () => {
        for (const [p, stream, kind] of [
            ['/whip/endpoint/janus-cam', 'janus-cam', 'whip'],
            ['/live/suffix-cam/whip?x=1', 'suffix-cam', 'whip'],
        ] as const) {
            const created = await postOffer(server, p, publishSdp);
            expect(created.status, p).toBe(201);
            expect(created.headers.get('location')).toMatch(new RegExp(`^/${kind}/${stream}/[A-Za-z0-9_-]{22}$`));
            expect((await get(created.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
        }
        // The path says the role: a play offer to a WHIP endpoint is refused.
        expect((await postOffer(server, '/live/x/whip', playSdp)).status).toBe(400);
        expect((await postOffer(server, '/webrtc/endpoint/x', publishSdp)).status).toBe(404);
    });

    it('takes trickled candidates by PATCH (204) and checks the ETag (412)', async () => {
        const created = await postOffer(server, '/whip/trickle', publishSdp);
        const location = created.headers.get('location')!;
        const etag = created.headers.get('etag')!;
        // The ETag names the ICE session, not the resource (whose id is a credential).
        expect(etag).toMatch(/^"[A-Za-z0-9_-]{16}"$/);
        expect(etag).not.toContain(location.split('/').pop()!);
        const fragment =
            'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n' +
            'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\na=end-of-candidates\r\n';
        const patch = (headers: Record<string, string>) =>
            get(location, {
                method: 'PATCH',
                headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', ...headers },
                body: fragment,
            });
        const trickled = await patch({ 'If-Match': etag });
        expect(trickled.status).toBe(204);
        expect(trickled.headers.get('etag')).toBeNull();
        expect((await patch({})).status).toBe(204);
        expect((await patch({ 'If-Match': '"other"' })).status).toBe(412);
        expect(
            (await get(location, { method: 'PATCH', body: fragment, headers: { 'Content-Type': 'text/plain' } }))
                .status,
        ).toBe(415);
        expect((await get(location, { method: 'DELETE' })).status).toBe(200);
    });

    describe('ICE restart by PATCH (RFC 9725 §4.3.2)', () => {
        /** The client's restart fragment: new credentials, its candidate. */
        const restartFragment = (ufrag: string, pwd: string) =>
            `a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n` +
            'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n';
        const restart = (location: string, body: string, ifMatch = '*') =>
            get(location, {
                method: 'PATCH',
                headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': ifMatch },
                body,
            });
        const credentials = (sdp: string) => ({
            ufrag: /^a=ice-ufrag:(.+)$/m.exec(sdp)?.[1]?.trim(),
            pwd: /^a=ice-pwd:(.+)$/m.exec(sdp)?.[1]?.trim(),
        });

        it.each([
            ['WHIP', '/whip/restart-pub', publishSdp],
            ['WHEP', '/whep/restart-pub', playSdp],
        ] as const)(
            '%s: 200 with new server credentials and a new ETag, twice; old ETags and bad fragments refused',
            async (_, p, offer) => {
                const published = p.startsWith('/whep')
                    ? await postOffer(server, '/whip/restart-pub', publishSdp)
                    : undefined;
                const created = await postOffer(server, p, offer);
                expect(created.status).toBe(201);
                const location = created.headers.get('location')!;
                const first = credentials(await created.text());
                const etag0 = created.headers.get('etag')!;

                const r1 = await restart(location, restartFragment('rst1', 'restartpasswordnumber1'));
                expect(r1.status).toBe(200);
                expect(r1.headers.get('content-type')).toBe('application/trickle-ice-sdpfrag');
                const etag1 = r1.headers.get('etag')!;
                expect(etag1).toMatch(/^"[A-Za-z0-9_-]{16}"$/);
                expect(etag1).not.toBe(etag0);
                const body1 = await r1.text();
                // a fragment, not a description: the ICE lines and the BUNDLE transport's m-line
                expect(body1).toMatch(
                    /^a=ice-lite\r\na=ice-ufrag:\S+\r\na=ice-pwd:\S+\r\nm=\S+ \d+ UDP\/TLS\/RTP\/SAVPF [\d ]+\r\na=mid:\S+\r\n/,
                );
                expect(body1).toMatch(/^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/m);
                expect(body1).toMatch(/a=end-of-candidates\r\n$/);
                expect(body1).not.toMatch(/^(v|o|s|t)=/m);
                const second = credentials(body1);
                expect(second.ufrag).toBeDefined();
                expect(second.ufrag).not.toBe(first.ufrag);
                expect(second.pwd).not.toBe(first.pwd);

                // The ICE session changed: a trickle with the first ETag is out of date, the new one fits.
                const trickle = (ifMatch: string) =>
                    restart(location, restartFragment('rst1', 'restartpasswordnumber1'), ifMatch);
                expect((await trickle(etag0)).status).toBe(412);
                expect((await trickle(etag1)).status).toBe(204);

                // A second restart works too (quoted as RFC 9725's examples write it).
                const r2 = await restart(location, restartFragment('rst2', 'restartpasswordnumber2'), '"*"');
                expect(r2.status).toBe(200);
                const etag2 = r2.headers.get('etag')!;
                expect(etag2).not.toBe(etag1);
                const third = credentials(await r2.text());
                expect(third.ufrag).not.toBe(second.ufrag);
                expect(third.pwd).not.toBe(second.pwd);
                const info = (server.streams() as Array<{ name: string; iceRestarts: unknown }>).find(
                    (s) => s.name === 'restart-pub',
                );
                expect(info?.iceRestarts).toEqual(
                    p.startsWith('/whep') ? { publish: 0, play: 2 } : { publish: 2, play: 0 },
                );

                // No credentials, or those in force: no restart, and the ICE session stays.
                expect((await restart(location, 'a=mid:0\r\n')).status).toBe(400);
                expect((await restart(location, restartFragment('rst2', 'restartpasswordnumber2'))).status).toBe(400);
                expect((await trickle(etag2)).status).toBe(204);

                expect((await get(location, { method: 'DELETE' })).status).toBe(200);
                // An ended session cannot restart.
                const ended = await restart(location, restartFragment('rst3', 'restartpasswordnumber3'));
                expect(ended.status).toBe(405);
                expect(ended.headers.get('allow')).toBe('DELETE, PATCH');
                if (published) await get(published.headers.get('location')!, { method: 'DELETE' });
            },
        );
    });

    it('serves MistServer-style stream info (json_<stream>.js), offline when nobody publishes', async () => {
        const r = await get('/json_nobody%2Bhere.js');
        expect(r.status).toBe(200);
        expect(r.headers.get('access-control-allow-origin')).toBe('*');
        expect(await r.json()).toMatchObject({ error: 'Stream is offline' });
        expect((await get('/json_%zz.js')).status).toBe(400);
    });

    it('controls faults at runtime', async () => {
        const r = await get('/_faults', { method: 'POST', body: JSON.stringify({ stream: 'cam', loss: 20 }) });
        expect(await r.json()).toEqual({ loss: 20 });
        expect(server.faults({ stream: 'cam', ingestLoss: 150 })).toEqual({ ingestLoss: 100 });
        expect(server.faults({ stream: 'cam', ingestLoss: 0 })).toEqual({ ingestLoss: 0 });
        expect((await get('/_faults', { method: 'POST', body: '{bad' })).status).toBe(400);
        expect(server.faults({ stream: 'cam', loss: 0 })).toEqual({ loss: 0 });
    });

    it('has no fault endpoint unless enabled', async () => {
        const plain = await startTestServer();
        try {
            expect((await fetch(plain.url + '/_faults', { method: 'POST', body: '{}' })).status).toBe(404);
            expect(plain.faults({ stream: 'cam', loss: 50 })).toEqual({});
        } finally {
            await plain.close();
        }
    });
});
