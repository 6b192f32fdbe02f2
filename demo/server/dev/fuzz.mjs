#!/usr/bin/env node
// Throws mangled offers and commands at the server (inside a loopback-only netns, werift binds sockets):
//   unshare -n sh -c 'ip link set lo up && node demo/server/dev/fuzz.mjs'
// Passes when the server is still alive and answering a valid offer afterwards.
import { readFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';
import WebSocket from 'ws';

register();
const { startServer } = await import('../main.ts');
const server = await startServer({ port: 0, log: process.env.FUZZ_LOG ? 'info' : false, playWaitMs: 200 });
const fx = (n) => readFileSync(new URL(`../../../test/server/fixtures/chromium-${n}.sdp`, import.meta.url), 'utf8');
const offers = [fx('publish'), fx('simulcast'), fx('play')];
let seed = 42;
const rnd = (n) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
const mangle = (sdp) => {
    const lines = sdp.split('\r\n');
    const k = rnd(6);
    for (let i = 0; i < 1 + rnd(5); i++) {
        const j = rnd(lines.length);
        if (k === 0) lines.splice(j, 1);
        else if (k === 1) lines[j] = lines[j].slice(0, rnd(lines[j].length + 1));
        else if (k === 2) lines[j] = lines[j].replace(/\d+/, String(rnd(1 << 30)));
        else if (k === 3) lines.splice(j, 0, lines[rnd(lines.length)]);
        else if (k === 4)
            lines[j] = lines[j].replace(/sendonly|recvonly/, ['sendrecv', 'inactive', 'sendonly'][rnd(3)]);
        else lines[j] = 'a=' + 'x'.repeat(rnd(3000));
    }
    return lines.join('\r\n');
};
const wsOnce = (payloads) =>
    new Promise((resolve) => {
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}/webrtc/fz${rnd(3)}`);
        const msgs = [];
        ws.on('message', (d) => msgs.push(String(d).slice(0, 80)));
        ws.on('open', () => payloads.forEach((p) => ws.send(p)));
        ws.on('error', () => undefined);
        ws.on('close', () => resolve(msgs));
        setTimeout(() => ws.terminate(), 600);
    });
let n = 0;
for (let i = 0; i < 60; i++) {
    const offer = mangle(offers[rnd(3)]);
    const cmds = [
        JSON.stringify({ type: 'offer_sdp', offer_sdp: offer }),
        JSON.stringify({
            type: ['tracks', 'video_bitrate', 'keyframe_interval', 'rtp_props', 'seek'][rnd(5)],
            video: 'x',
            video_bitrate: -1,
            keyframe_interval_millis: 'a',
            nack: {},
            drop: [],
        }),
        JSON.stringify({ type: 'tracks', video: String(rnd(9)), audio: 'none' }),
    ];
    await Promise.all([
        wsOnce(cmds),
        fetch(`${server.url}/${['whip', 'whep', 'webrtc'][rnd(3)]}/fz${rnd(3)}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/sdp' },
            body: mangle(offers[rnd(3)]),
        }).then(
            (r) => r.status,
            () => 'err',
        ),
    ]);
    n++;
}
// still alive and working?
const ok = await fetch(`${server.url}/whip/final`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: fx('publish'),
});
const streams = await (await fetch(`${server.url}/streams`)).json();
console.log(`${n} rounds; final WHIP status ${ok.status}; streams ${streams.map((s) => s.name)}`);
await server.close();
process.exit(ok.status === 201 ? 0 : 1);
