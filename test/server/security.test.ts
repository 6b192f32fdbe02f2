// The attacks of issue #9 against a fresh in-process server, each of which must now fail:
// ending someone else's WHIP/WHEP session, freezing the server with a huge offer, crashing
// werift with an offer that lacks its transport, holding sockets open without an offer.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../demo/server/main.ts';
import { newSessionId } from '../../demo/server/relay/Session.ts';
import {
    connect,
    playSdp,
    postOffer,
    publishSdp,
    sendJson,
    startTestServer,
    unbundledVideoSections,
} from './helpers.ts';

/** The attack's offer: Chromium's publish offer plus `n` un-BUNDLEd video sections of ~290 bytes. */
const manySectionsOffer = (n: number) => publishSdp + unbundledVideoSections(n);

const openFds = () => readdirSync('/proc/self/fd').length;

describe('session ids', () => {
    it('are 128 random bits, URL-safe', () => {
        const ids = Array.from({ length: 2000 }, newSessionId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids.slice(0, 50)) {
            expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
            expect(Buffer.from(id, 'base64url')).toHaveLength(16);
        }
        // not a clock plus a counter: ids made in the same millisecond share no prefix
        const prefixes = new Set(ids.map((id) => id.slice(0, 3)));
        expect(prefixes.size).toBeGreaterThan(1900);
    });
});

describe('ending someone else’s WHIP session', () => {
    let server: RunningServer;
    let location: string;
    beforeAll(async () => {
        server = await startTestServer();
        const r = await postOffer(server, '/whip/victim', publishSdp);
        expect(r.status).toBe(201);
        location = r.headers.get('location')!;
    });
    afterAll(() => server?.close());

    const attempt = async (p: string, method = 'DELETE', headers: Record<string, string> = {}) => {
        const r = await fetch(server.url + p, { method, headers });
        const { date: _date, ...rest } = Object.fromEntries(r.headers);
        return { status: r.status, body: await r.text(), headers: rest };
    };

    it('fails, and every failure looks exactly like a path that names nothing (no oracle)', async () => {
        const id = location.split('/').pop()!;
        const nothing = await attempt('/whip/victim/AAAAAAAAAAAAAAAAAAAAAA');
        expect(nothing).toMatchObject({ status: 404, body: 'Not found' });
        for (const p of [
            `/whip/other/${id}`, // the right id, another stream
            `/whep/victim/${id}`, // the right id, the other kind
            `/webrtc/victim/${id}`,
            `/whip/victim/${id}/x`,
            `/whip/victim/${id.slice(0, -1)}`,
            `/whip/victim/${id.toLowerCase()}`,
        ]) {
            expect(await attempt(p), p).toEqual(nothing);
            expect(await attempt(p, 'PATCH'), p).toEqual(nothing);
            // an ICE restart too, whatever its If-Match
            expect(await attempt(p, 'PATCH', { 'If-Match': '*' }), p).toEqual(nothing);
        }
        expect(server.streams()).toMatchObject([{ name: 'victim', publisher: true }]);
        // its owner can
        // (a PATCH must carry a trickle fragment)
        expect((await attempt(location, 'PATCH')).status).toBe(415);
        expect((await attempt(location)).status).toBe(200);
        expect(server.streams()).toEqual([]);
    });
});

describe('offers that used to freeze or crash the server', () => {
    let server: RunningServer;
    beforeAll(async () => {
        server = await startTestServer();
    });
    afterAll(() => server?.close());

    it('1,000 un-BUNDLEd video sections: 400 within 250 ms (was a 24 s freeze), no socket opened, others still served', async () => {
        const offer = manySectionsOffer(1000);
        expect(offer.length).toBeGreaterThan(280_000); // the attack's 290 KB
        const bystander = await connect(server, '/webrtc/bystander');
        const fds = openFds();
        const t0 = performance.now();
        const r = await postOffer(server, '/whip/attack', offer);
        const ms = performance.now() - t0;
        expect(r.status).toBe(400);
        expect(await r.text()).toMatch(/^Invalid offer: offer is \d+ bytes; the limit is 65536$/);
        expect(ms).toBeLessThan(250);
        expect(openFds()).toBeLessThanOrEqual(fds + 2);
        // 2,000 sections (the attack's > 60 s freeze): the same
        const twice = await postOffer(server, '/whip/attack', manySectionsOffer(2000));
        expect(twice.status).toBe(400);
        // the same kind of offer under the size cap: rejected on its section count
        const cut = manySectionsOffer(100);
        expect(cut.length).toBeLessThan(65_536);
        const r2 = await postOffer(server, '/whip/attack', cut);
        expect(await r2.text()).toMatch(/^Invalid offer: offer has \d+ video sections; the limit is 4$/);
        // over WebSocket: on_error at once
        const ws = await connect(server, '/webrtc/attack');
        const t1 = performance.now();
        sendJson(ws, { type: 'offer_sdp', offer_sdp: cut });
        expect(await ws.next('on_error')).toMatchObject({
            command: 'offer_sdp',
            message: expect.stringMatching(/sections/),
        });
        expect(performance.now() - t1).toBeLessThan(250);
        // and the server still answers everyone else
        sendJson(bystander, { type: 'rtp_props', nack: 3 });
        expect((await bystander.next('on_rtp_props', 500)).nack).toBe(3);
        expect(server.streams()).toEqual([]);
        bystander.ws.close();
    });

    it('no ICE credentials or no fingerprint: 400 with a clear text, not werift’s TypeError', async () => {
        const noIce = await postOffer(server, '/whip/a', publishSdp.replace(/^a=ice-(ufrag|pwd):.*\r\n/gm, ''));
        expect(noIce.status).toBe(400);
        expect(await noIce.text()).toBe(
            'Invalid offer: media section mid=0 has no ICE credentials (a=ice-ufrag, a=ice-pwd)',
        );
        const noFingerprint = await postOffer(server, '/whip/b', publishSdp.replace(/^a=fingerprint:.*\r\n/gm, ''));
        expect(noFingerprint.status).toBe(400);
        expect(await noFingerprint.text()).toBe(
            'Invalid offer: media section mid=0 has no DTLS fingerprint (a=fingerprint)',
        );
        const noBundle = await postOffer(server, '/whep/c', playSdp.replace(/^a=group:BUNDLE.*\r\n/m, ''));
        expect(noBundle.status).toBe(400);
        expect(await noBundle.text()).toBe(
            'Invalid offer: media section mid=0 is not in a=group:BUNDLE (BUNDLE is required)',
        );
        expect(server.streams()).toEqual([]);
    });
});
