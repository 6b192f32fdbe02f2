#!/usr/bin/env node
/* global WebSocket, location, RTCPeerConnection */
// The attacks of issue #9 against a fresh server with default options (what `npm start` runs),
// while a real Chromium publisher and player stream through it; plus the PLI rate under the 20 %
// loss fault. Prints what each attack got and how long it took. Loopback-only network namespace:
//   unshare -n sh -c 'ip link set lo up && node demo/server/dev/attacks.mjs [ids|offer|transport|idle|loss]…'
// SERVER_MAIN=<path to a main.ts> runs the same against another version of the server;
// OFFER_SECTIONS=100,1000 chooses the offers' section counts, PLAYERS=3 the players under loss.
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { register } from 'tsx/esm/api';
import WebSocketClient from 'ws';
import { launchChromium } from '../../../e2e/chromium.mjs';

register();
const mainPath = process.env.SERVER_MAIN ?? '../main.ts';
const { startServer } = await import(mainPath);
const { unbundledVideoSections } = await import('../../../test/server/helpers.ts');
const scenarios = process.argv.slice(2).length ? process.argv.slice(2) : ['ids', 'offer', 'transport', 'idle', 'loss'];

const browser = await launchChromium();
const page = await browser.newPage();
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** In-page: publish (simulcast VP8) and play over the WebSocket signaling, no SDK. */
async function installHelpers() {
    await page.evaluate(() => {
        const w = window;
        w.signal = (name, offer) =>
            new Promise((resolve, reject) => {
                const ws = new WebSocket(`ws://${location.host}/webrtc/${name}`);
                ws.onopen = () => ws.send(JSON.stringify({ type: 'offer_sdp', offer_sdp: offer }));
                ws.onmessage = (e) => {
                    const m = JSON.parse(e.data);
                    if (m.type === 'on_answer_sdp') resolve({ ws, answer: m.answer_sdp });
                    if (m.type === 'on_error') reject(new Error(m.message));
                };
            });
        w.publish = async (name) => {
            const media = await navigator.mediaDevices.getUserMedia({
                audio: true,
                video: { width: 1280, height: 720, frameRate: 30 },
            });
            const pc = new RTCPeerConnection();
            pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly' });
            pc.addTransceiver(media.getVideoTracks()[0], {
                direction: 'sendonly',
                sendEncodings: [
                    { rid: 'q', scaleResolutionDownBy: 4 },
                    { rid: 'h', scaleResolutionDownBy: 2 },
                    { rid: 'f', scaleResolutionDownBy: 1 },
                ],
            });
            await pc.setLocalDescription(await pc.createOffer());
            const { ws, answer } = await w.signal(name, pc.localDescription.sdp);
            await pc.setRemoteDescription({ type: 'answer', sdp: answer });
            w.pub = { pc, ws };
        };
        w.play = async (name) => {
            const pc = new RTCPeerConnection();
            pc.addTransceiver('audio', { direction: 'recvonly' });
            pc.addTransceiver('video', { direction: 'recvonly' });
            await pc.setLocalDescription(await pc.createOffer());
            const { ws, answer } = await w.signal(name, pc.localDescription.sdp);
            await pc.setRemoteDescription({ type: 'answer', sdp: answer });
            w.player = { pc, ws };
            (w.players ??= []).push(w.player);
        };
        w.framesDecoded = async () => {
            let n = 0;
            (await w.player.pc.getStats()).forEach((s) => {
                if (s.type === 'inbound-rtp' && s.kind === 'video') n = s.framesDecoded ?? 0;
            });
            return n;
        };
        w.publisherLayers = async () => {
            const out = {};
            (await w.pub.pc.getStats()).forEach((s) => {
                if (s.type === 'outbound-rtp' && s.kind === 'video')
                    out[s.rid] = { pli: s.pliCount, nack: s.nackCount, frames: s.framesEncoded };
            });
            return out;
        };
        /** the players' video reception, summed */
        w.playerVideo = async () => {
            const out = { lost: 0, nack: 0, pli: 0, frames: 0 };
            for (const p of w.players) {
                (await p.pc.getStats()).forEach((s) => {
                    if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
                    out.lost += s.packetsLost;
                    out.nack += s.nackCount;
                    out.pli += s.pliCount;
                    out.frames += s.framesDecoded;
                });
            }
            return out;
        };
    });
}

async function streamThrough(server, name, players = 1) {
    await page.goto(`${server.url}/streams`);
    await installHelpers();
    await page.evaluate((n) => window.publish(n), name);
    await wait(1500);
    for (let i = 0; i < players; i++) await page.evaluate((n) => window.play(n), name);
    await wait(1500);
}

/** Runs `attack` while sampling the player's decoded frames and the event loop's worst delay. */
async function whileStreaming(attack) {
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const f0 = await page.evaluate(() => window.framesDecoded());
    const t0 = performance.now();
    loop.enable();
    const result = await attack();
    loop.disable();
    await wait(1000);
    const f1 = await page.evaluate(() => window.framesDecoded());
    const seconds = (performance.now() - t0) / 1000;
    return {
        ...result,
        playerFps: Math.round((f1 - f0) / seconds),
        maxLoopDelayMs: Math.round(loop.max / 1e6),
    };
}

const timed = async (fn) => {
    const t0 = performance.now();
    const value = await fn();
    return { value, ms: Math.round(performance.now() - t0) };
};

/** Chromium's publish offer plus `n` un-BUNDLEd video sections of ~290 bytes (the attack of the issue). */
async function attackOffer(n) {
    const base = await page.evaluate(async () => {
        const pc = new RTCPeerConnection();
        pc.addTransceiver('audio', { direction: 'sendonly' });
        pc.addTransceiver('video', { direction: 'sendonly' });
        const offer = await pc.createOffer();
        pc.close();
        return offer.sdp;
    });
    return { base, offer: base + unbundledVideoSections(n) };
}

const post = (server, p, body) =>
    fetch(server.url + p, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body });

const results = {};
const server = await startServer({ port: 0, log: false });
console.log('server', server.url, mainPath);
try {
    await streamThrough(server, 'live');
    console.log(
        'streaming',
        server.streams()[0]?.tracks.map((t) => `${t.id} ${t.width ?? ''}x${t.height ?? ''}`),
    );

    if (scenarios.includes('ids')) {
        // the old attack: the WHIP victim's id from the clock and a counter; now ids are 128 random bits
        const victim = await post(server, '/whip/victim', (await attackOffer(0)).base);
        const location = victim.headers.get('location');
        const id = location.split('/').pop();
        results.ids = await whileStreaming(async () => {
            const guesses = 10_000;
            const statuses = {};
            const { ms } = await timed(async () => {
                for (let i = 0; i < guesses; i += 100) {
                    const batch = Array.from({ length: 100 }, () => {
                        const guess = randomBytes(16).toString('base64url');
                        return fetch(`${server.url}/whip/victim/${guess}`, { method: 'DELETE' }).then((r) => r.status);
                    });
                    for (const s of await Promise.all(batch)) statuses[s] = (statuses[s] ?? 0) + 1;
                }
            });
            const wrongStream = (await fetch(`${server.url}/whip/live/${id}`, { method: 'DELETE' })).status;
            return {
                location: location.replace(id, `<${id.length} chars>`),
                guesses,
                ms,
                statuses,
                wrongStreamRightId: wrongStream,
                victimStillPublishing: server.streams().some((s) => s.name === 'victim' && s.publisher),
            };
        });
        await fetch(server.url + location, { method: 'DELETE' });
    }

    if (scenarios.includes('offer')) {
        results.offer = await whileStreaming(async () => {
            const out = {};
            const counts = (process.env.OFFER_SECTIONS ?? '100,1000,2000').split(',').map(Number);
            for (const n of counts) {
                const { offer } = await attackOffer(n);
                const { value: r, ms } = await timed(() => post(server, `/whip/attack${n}`, offer));
                const text = (await r.text()).slice(0, 100);
                out[`${n} sections`] = { bytes: offer.length, status: r.status, text, ms };
            }
            return out;
        });
    }

    if (scenarios.includes('transport')) {
        const { base } = await attackOffer(0);
        const out = {};
        for (const [label, offer] of [
            ['no ICE credentials', base.replace(/^a=ice-(ufrag|pwd):.*\r\n/gm, '')],
            ['no fingerprint', base.replace(/^a=fingerprint:.*\r\n/gm, '')],
        ]) {
            const { value: r, ms } = await timed(() => post(server, '/whip/bad', offer));
            out[label] = { status: r.status, text: await r.text(), ms };
        }
        results.transport = out;
    }

    if (scenarios.includes('idle')) {
        // 200 sockets that never send an offer
        results.idle = await whileStreaming(async () => {
            const t0 = performance.now();
            const closes = await Promise.all(
                Array.from(
                    { length: 200 },
                    () =>
                        new Promise((resolve) => {
                            const ws = new WebSocketClient(`${server.url.replace('http', 'ws')}/webrtc/idle`);
                            ws.on('error', () => resolve({ code: 'error', ms: performance.now() - t0 }));
                            ws.on('close', (code) => resolve({ code, ms: performance.now() - t0 }));
                            setTimeout(() => {
                                resolve({ code: 'still open after 15 s', ms: 15_000 });
                                ws.terminate();
                            }, 15_000);
                        }),
                ),
            );
            const codes = {};
            for (const c of closes) codes[c.code] = (codes[c.code] ?? 0) + 1;
            const ms = closes.map((c) => c.ms);
            return { sockets: closes.length, codes, closedAfterMs: [Math.min(...ms), Math.max(...ms)].map(Math.round) };
        });
    }
} finally {
    await server.close();
}

if (scenarios.includes('loss')) {
    // PLIs reaching the publisher under the 20 % loss fault, and whether Chrome keeps its top layer
    const players = Number(process.env.PLAYERS ?? 3);
    const lossy = await startServer({ port: 0, log: false, faults: true });
    try {
        await streamThrough(lossy, 'lossy', players);
        const before = await page.evaluate(() => window.publisherLayers());
        const playerBefore = await page.evaluate(() => window.playerVideo());
        lossy.faults({ stream: 'lossy', loss: 20 });
        const seconds = 30;
        const topStalled = [];
        let last = before;
        for (let s = 0; s < seconds; s++) {
            await wait(1000);
            const now = await page.evaluate(() => window.publisherLayers());
            if ((now.f?.frames ?? 0) - (last.f?.frames ?? 0) < 5) topStalled.push(s);
            last = now;
        }
        lossy.faults({ stream: 'lossy', loss: 0 });
        const player = await page.evaluate(() => window.playerVideo());
        const plis = Object.fromEntries(
            Object.entries(last).map(([rid, l]) => [rid, (l.pli ?? 0) - (before[rid]?.pli ?? 0)]),
        );
        results.loss = {
            seconds,
            players,
            publisherPlisPerLayer: plis,
            publisherPlisPerSecond: Object.fromEntries(Object.entries(plis).map(([k, v]) => [k, v / seconds])),
            topLayerStalledSeconds: topStalled.length,
            player: {
                lost: player.lost - playerBefore.lost,
                nacks: player.nack - playerBefore.nack,
                plis: player.pli - playerBefore.pli,
                framesPerSecondEach: Math.round((player.frames - playerBefore.frames) / seconds / players),
            },
        };
    } finally {
        await lossy.close();
    }
}

console.log(JSON.stringify(results, null, 2));
await browser.close();
process.exit(0);
