#!/usr/bin/env node
/* global WebSocket, location, RTCPeerConnection, RTCRtpSender */
// Real-WebRTC smoke test of the reference server with Debian Chromium (fake camera), no SDK involved.
// Run inside a loopback-only network namespace:
//   unshare -n sh -c 'ip link set lo up && node demo/server/dev/smoke.mjs [scenario…]'
// Scenarios: ws (VP8 over WebSocket), whip (WHIP→WHEP), h264, simulcast, misc (commands). Default: all.
import { register } from 'tsx/esm/api';
import { launchChromium } from '../../../e2e/chromium.mjs';

register();
const { startServer } = await import('../main.ts');

const scenarios = process.argv.slice(2).length
    ? process.argv.slice(2)
    : ['ws', 'whip', 'h264', 'vp9', 'av1', 'simulcast', 'simdrop', 'misc', 'faults', 'gone', 'ttff'];
const server = await startServer({
    port: 0,
    log: process.env.RTCWIRE_DEBUG === '1' ? 'debug' : 'info',
    playWaitMs: 3000,
    faults: true,
});
console.log('server', server.url);
const browser = await launchChromium();
const errors = [];
let page;
// a fresh page per scenario (one crashed or heavy scenario does not spoil the next)
async function newPage() {
    await page?.close().catch(() => undefined);
    page = await browser.newPage();
    page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
        if (process.env.SMOKE_VERBOSE) console.log('[page]', m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('crash', () => errors.push('page crashed'));
    await page.goto(`${server.url}/streams`);
    // ------------------------------------------------------------ in-page helpers
    await page.evaluate(() => {
        const w = window;
        const wait = (ms) => new Promise((r) => setTimeout(r, ms));
        w.wait = wait;
        w.signalWs = (name, query = '') => {
            const ws = new WebSocket(`ws://${location.host}/webrtc/${encodeURIComponent(name)}${query}`);
            ws.msgs = [];
            ws.waiters = [];
            ws.onmessage = (e) => {
                let m;
                try {
                    m = JSON.parse(e.data);
                } catch {
                    return;
                }
                ws.msgs.push(m);
                ws.waiters = ws.waiters.filter((wt) => (wt.type === m.type ? (wt.resolve(m), false) : true));
            };
            ws.next = (type, ms = 8000) =>
                new Promise((resolve, reject) => {
                    ws.waiters.push({ type, resolve });
                    setTimeout(() => reject(new Error(`timeout waiting ${type}`)), ms);
                });
            ws.opened = new Promise((r, j) => {
                ws.onopen = r;
                ws.onerror = j;
            });
            ws.sendJ = (o) => ws.send(JSON.stringify(o));
            return ws;
        };
        w.publish = async (name, { codec, simulcast, via = 'ws' } = {}) => {
            const media = await navigator.mediaDevices.getUserMedia({
                audio: true,
                video: { width: 1280, height: 720, frameRate: 30 },
            });
            const pc = new RTCPeerConnection();
            pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly' });
            const vt = pc.addTransceiver(media.getVideoTracks()[0], {
                direction: 'sendonly',
                ...(simulcast
                    ? {
                          sendEncodings: [
                              { rid: 'q', scaleResolutionDownBy: 4 },
                              { rid: 'h', scaleResolutionDownBy: 2 },
                              { rid: 'f', scaleResolutionDownBy: 1 },
                          ],
                      }
                    : {}),
            });
            if (codec) {
                const caps = RTCRtpSender.getCapabilities('video').codecs;
                const pref = caps.filter((c) => c.mimeType.toLowerCase() === `video/${codec.toLowerCase()}`);
                if (!pref.length) throw new Error(`no ${codec} in browser`);
                vt.setCodecPreferences([...pref, ...caps.filter((c) => !pref.includes(c))]);
            }
            const offer = await pc.createOffer();
            await pc.setLocalDescription(offer);
            let ws, answer, location;
            if (via === 'ws') {
                ws = w.signalWs(name);
                await ws.opened;
                ws.sendJ({ type: 'offer_sdp', offer_sdp: offer.sdp });
                const a = await ws.next('on_answer_sdp');
                if (!a.result) return { refused: true, ws, pc };
                answer = a.answer_sdp;
            } else {
                const r = await fetch(`/whip/${encodeURIComponent(name)}`, {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/sdp' },
                    body: offer.sdp,
                });
                if (r.status !== 201) return { refused: true, status: r.status, pc };
                answer = await r.text();
                location = r.headers.get('Location');
            }
            await pc.setRemoteDescription({ type: 'answer', sdp: answer });
            return { pc, ws, media, answer, location };
        };
        w.play = async (name, { via = 'ws', query = '' } = {}) => {
            const pc = new RTCPeerConnection();
            pc.addTransceiver('audio', { direction: 'recvonly' });
            pc.addTransceiver('video', { direction: 'recvonly' });
            const video = document.createElement('video');
            video.muted = true;
            video.autoplay = true;
            video.playsInline = true;
            document.body.appendChild(video);
            const ms = new MediaStream();
            pc.ontrack = (e) => {
                ms.addTrack(e.track);
                video.srcObject = ms;
            };
            const t0 = performance.now();
            const offer = await pc.createOffer();
            await pc.setLocalDescription(offer);
            let ws, answer, location;
            if (via === 'ws') {
                ws = w.signalWs(name, query);
                await ws.opened;
                ws.sendJ({ type: 'offer_sdp', offer_sdp: offer.sdp });
                const a = await Promise.race([ws.next('on_answer_sdp', 15000), ws.next('on_error', 15000)]);
                if (a.type !== 'on_answer_sdp') return { error: a, ws, pc };
                answer = a.answer_sdp;
            } else {
                const r = await fetch(`/whep/${encodeURIComponent(name)}`, {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/sdp' },
                    body: offer.sdp,
                });
                if (r.status !== 201) return { error: r.status, pc };
                answer = await r.text();
                location = r.headers.get('Location');
            }
            const tAnswer = performance.now() - t0;
            await pc.setRemoteDescription({ type: 'answer', sdp: answer });
            const firstFrame = new Promise((resolve) => {
                const check = () =>
                    video.videoWidth > 0 ? resolve(performance.now() - t0) : video.requestVideoFrameCallback(check);
                video.requestVideoFrameCallback(check);
            });
            return { pc, ws, video, t0, tAnswer, firstFrame, answer, location };
        };
        w.inbound = async (pc) => {
            const out = {};
            (await pc.getStats()).forEach((s) => {
                if (s.type === 'inbound-rtp') out[s.kind] = s;
            });
            return out;
        };
        w.outboundVideo = async (pc) => {
            const out = [];
            (await pc.getStats()).forEach((s) => {
                if (s.type === 'outbound-rtp' && s.kind === 'video') out.push(s);
            });
            return out;
        };
        w.checkPlaying = async (p, label) => {
            const first = await Promise.race([p.firstFrame, wait(10000).then(() => -1)]);
            const s1 = await w.inbound(p.pc);
            await wait(1500);
            const s2 = await w.inbound(p.pc);
            return {
                label,
                tAnswerMs: Math.round(p.tAnswer),
                firstFrameMs: Math.round(first),
                width: p.video.videoWidth,
                height: p.video.videoHeight,
                framesDecodedDelta: (s2.video?.framesDecoded ?? 0) - (s1.video?.framesDecoded ?? 0),
                audioPacketsDelta: (s2.audio?.packetsReceived ?? 0) - (s1.audio?.packetsReceived ?? 0),
                videoCodec: /a=rtpmap:\d+ (\w+)/.exec(p.answer.split('m=video')[1] ?? '')?.[1],
                packetsLost: s2.video?.packetsLost,
                nackCount: s2.video?.nackCount,
                pliCount: s2.video?.pliCount,
            };
        };
    });
}

let failures = 0;
const check = (cond, what, detail) => {
    console.log(`${cond ? 'PASS' : 'FAIL'} ${what}`, detail === undefined ? '' : JSON.stringify(detail));
    if (!cond) failures++;
};
const playOk = (r) => r.width > 0 && r.framesDecodedDelta > 10 && r.audioPacketsDelta > 20;

for (const sc of scenarios) {
    console.log(`\n== ${sc}`);
    try {
        await newPage();
        if (sc === 'ws') {
            const r = await page.evaluate(async () => {
                const pub = await window.publish('cam');
                const on = await window.wait(800).then(() => window.play('cam'));
                const res = await window.checkPlaying(on, 'ws vp8');
                const times = on.ws.msgs.filter((m) => m.type === 'on_time');
                // late joiner: GOP replay
                const late = await window.play('cam');
                const res2 = await window.checkPlaying(late, 'late joiner');
                const answerLines = pub.answer
                    .split('\r\n')
                    .filter((l) => /^a=(candidate|setup|ice-lite|rtpmap|rtcp-fb|extmap)/.test(l));
                pub.pc.close();
                pub.ws.close();
                const stop = await on.ws.next('on_stop', 5000).catch((e) => String(e));
                [on, late].forEach((p) => p.pc.close());
                return { res, res2, onTime: times.slice(-1)[0], nTimes: times.length, stop, answerLines };
            });
            console.log(r.answerLines.join('\n'));
            check(playOk(r.res), 'WS VP8 publish→play decodes', r.res);
            check(playOk(r.res2), 'second player (GOP replay) decodes', r.res2);
            check(r.nTimes >= 2 && r.onTime?.data?.tracks?.length === 2, 'on_time ~1/s with tracks', r.onTime);
            check(r.stop?.type === 'on_stop', 'on_stop when publisher leaves', r.stop);
        }
        if (sc === 'whip') {
            const r = await page.evaluate(async () => {
                const pub = await window.publish('whipcam', { via: 'http' });
                await window.wait(800);
                const on = await window.play('whipcam', { via: 'http' });
                const res = await window.checkPlaying(on, 'whip→whep');
                const streams = await (await fetch('/streams')).json();
                const del = await fetch(on.location, { method: 'DELETE' });
                const del2 = await fetch(pub.location, { method: 'DELETE' });
                const pub2 = await window.publish('whipcam2', { via: 'http' });
                const dup = await window.publish('whipcam2', { via: 'http' });
                await fetch(pub2.location, { method: 'DELETE' });
                [pub, on, pub2, dup].forEach((p) => p.pc.close());
                const t0 = performance.now();
                const none = await fetch('/whep/nobody', {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/sdp' },
                    body: (await new RTCPeerConnection().createOffer({ offerToReceiveVideo: true })).sdp,
                });
                return {
                    res,
                    streams,
                    loc: [pub.location, on.location],
                    del: [del.status, del2.status],
                    dup: dup.status,
                    none: none.status,
                    noneMs: Math.round(performance.now() - t0),
                };
            });
            check(playOk(r.res), 'WHIP→WHEP decodes', r.res);
            check(
                r.del.every((s) => s === 200),
                'DELETE Location',
                { loc: r.loc, del: r.del },
            );
            check(r.dup === 409, 'second WHIP publisher → 409', r.dup);
            check(r.none === 404, 'WHEP nobody → 404 after wait', { status: r.none, ms: r.noneMs });
            console.log('/streams', JSON.stringify(r.streams));
        }
        if (sc === 'h264' || sc === 'vp9' || sc === 'av1') {
            const codec = sc.toUpperCase();
            const r = await page.evaluate(async (codec) => {
                const pub = await window.publish(`${codec}cam`, { codec });
                await window.wait(800);
                const on = await window.play(`${codec}cam`);
                const res = await window.checkPlaying(on, codec);
                const streams = await (await fetch('/streams')).json();
                const out = await window.outboundVideo(pub.pc);
                [pub, on].forEach((p) => p.pc.close());
                pub.ws.close();
                return { res, streams, enc: out[0]?.encoderImplementation };
            }, codec);
            check(playOk(r.res) && r.res.videoCodec === codec, `${codec} publish→play decodes`, r.res);
            console.log('encoder', r.enc, '/streams', JSON.stringify(r.streams));
        }
        if (sc === 'simulcast') {
            const r = await page.evaluate(async () => {
                const pub = await window.publish('sim', { simulcast: true });
                await window.wait(2500);
                const streams = await (await fetch('/streams')).json();
                const on = await window.play('sim');
                const res = await window.checkPlaying(on, 'simulcast auto');
                const sizes = [];
                const vids = streams[0].tracks.filter((t) => t.kind === 'video');
                for (const t of vids) {
                    const t0 = performance.now();
                    on.ws.msgs.length = 0;
                    on.ws.sendJ({ type: 'tracks', video: String(t.index) });
                    let reply = await on.ws.next('on_time');
                    // a periodic on_time may cross the command: the reply is the one listing the new track
                    if (!reply.data.tracks.includes(t.index)) reply = await on.ws.next('on_time');
                    let w = 0;
                    for (let i = 0; i < 40; i++) {
                        await window.wait(100);
                        if (on.video.videoWidth === t.width) break;
                    }
                    w = on.video.videoWidth;
                    sizes.push({
                        index: t.index,
                        want: t.width,
                        got: w,
                        tracks: reply.data.tracks,
                        ms: Math.round(performance.now() - t0),
                    });
                }
                const s1 = await window.inbound(on.pc);
                await window.wait(1000);
                const s2 = await window.inbound(on.pc);
                const out = await window.outboundVideo(pub.pc);
                [pub, on].forEach((p) => p.pc.close());
                pub.ws.close();
                return {
                    res,
                    streams,
                    sizes,
                    framesAfter: s2.video.framesDecoded - s1.video.framesDecoded,
                    layers: out.map(
                        (o) => `${o.rid}:${o.frameWidth}x${o.frameHeight}@${Math.round(o.framesPerSecond ?? 0)}`,
                    ),
                };
            });
            console.log('layers', r.layers, 'tracks', JSON.stringify(r.streams[0]?.tracks));
            check(playOk(r.res), 'simulcast publish→play decodes', r.res);
            check(
                r.sizes.length >= 2 && r.sizes.every((s) => s.got === s.want && s.tracks.includes(s.index)),
                'tracks command switches layer',
                r.sizes,
            );
            check(r.framesAfter > 10, 'still decoding after switches', r.framesAfter);
        }
        if (sc === 'faults') {
            const r = await page.evaluate(async () => {
                const pub = await window.publish('flt');
                await window.wait(800);
                const on = await window.play('flt');
                await on.firstFrame;
                // replaceTrack: another camera track, the player keeps decoding
                const other = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
                const sender = pub.pc.getSenders().find((x) => x.track?.kind === 'video');
                await sender.replaceTrack(other.getVideoTracks()[0]);
                const a1 = await window.inbound(on.pc);
                await window.wait(1500);
                const a2 = await window.inbound(on.pc);
                const replaced = {
                    frames: a2.video.framesDecoded - a1.video.framesDecoded,
                    width: on.video.videoWidth,
                };
                // runtime loss on the link to the stream's players: audio stays lost, video NACKs recover
                await fetch('/_faults', { method: 'POST', body: JSON.stringify({ stream: 'flt', loss: 30 }) });
                const l1 = await window.inbound(on.pc);
                await window.wait(2000);
                const l2 = await window.inbound(on.pc);
                await fetch('/_faults', { method: 'POST', body: JSON.stringify({ stream: 'flt', loss: 0 }) });
                const lossy = {
                    audioLost: l2.audio.packetsLost - l1.audio.packetsLost,
                    videoLost: l2.video.packetsLost - l1.video.packetsLost,
                    videoNacks: l2.video.nackCount - l1.video.nackCount,
                    videoFrames: l2.video.framesDecoded - l1.video.framesDecoded,
                };
                // no video from the publisher → on_track_drop
                await sender.replaceTrack(null);
                const drop = await pub.ws.next('on_track_drop', 8000).catch((e) => String(e));
                const dropPlayer = on.ws.msgs.find((m) => m.type === 'on_track_drop');
                // dropSockets: the player's socket dies without close frame
                const closed = Promise.race([
                    new Promise((res) => (on.ws.onclose = (e) => res(e.code))),
                    window.wait(5000).then(() => 'no close'),
                ]);
                await fetch('/_faults', { method: 'POST', body: JSON.stringify({ dropSockets: 'flt' }) });
                const code = await closed;
                await window.wait(300);
                const streams = await (await fetch('/streams')).json();
                [pub, on].forEach((p) => p.pc.close());
                return { replaced, lossy, drop, dropPlayer, code, streams };
            });
            check(r.replaced.frames > 10, 'replaceTrack keeps the player decoding', r.replaced);
            check(r.lossy.audioLost > 10 && r.lossy.videoNacks > 5, 'fault loss drops forwarded packets', r.lossy);
            check(r.lossy.videoFrames > 10, 'video NACKs recover the losses: still decoding', r.lossy);
            check(r.drop?.type === 'on_track_drop' && r.drop.track === 1, 'on_track_drop', {
                pub: r.drop,
                player: r.dropPlayer,
            });
            check(r.code === 1006, 'dropSockets → 1006', r.code);
            check(r.streams.length === 0, 'sessions cleaned up after sockets dropped', r.streams);
        }
        if (sc === 'gone') {
            // peers vanish without any signaling (WHIP/WHEP, no DELETE): the server must notice
            const r = await page.evaluate(async () => {
                const pub = await window.publish('gone', { via: 'http' });
                await window.wait(800);
                const on = await window.play('gone', { via: 'http' });
                await on.firstFrame;
                on.pc.close();
                const t0 = performance.now();
                let players = 1;
                while (players && performance.now() - t0 < 20000) {
                    await window.wait(250);
                    players = (await (await fetch('/streams')).json())[0]?.players ?? 0;
                }
                const playerGoneMs = Math.round(performance.now() - t0);
                pub.pc.close();
                const t1 = performance.now();
                let n = 1;
                while (n && performance.now() - t1 < 20000) {
                    await window.wait(250);
                    n = (await (await fetch('/streams')).json()).length;
                }
                return { playerGoneMs, publisherGoneMs: Math.round(performance.now() - t1), left: n };
            });
            check(r.playerGoneMs < 15000 && r.left === 0, 'sessions of vanished peers are cleaned up', r);
        }
        if (sc === 'simdrop') {
            // the layer an automatic player watches stops: it moves to another live layer
            const r = await page.evaluate(async () => {
                const pub = await window.publish('simdrop', { simulcast: true });
                await window.wait(2500);
                const on = await window.play('simdrop');
                await on.firstFrame;
                await window.wait(500);
                const before = on.video.videoWidth;
                const sender = pub.pc.getSenders().find((x) => x.track?.kind === 'video');
                const params = sender.getParameters();
                params.encodings[2].active = false;
                await sender.setParameters(params);
                const drop = await on.ws.next('on_track_drop', 8000).catch((e) => String(e));
                await window.wait(1000);
                const after = on.video.videoWidth;
                const s1 = await window.inbound(on.pc);
                await window.wait(1000);
                const s2 = await window.inbound(on.pc);
                [pub, on].forEach((p) => p.pc.close());
                return { before, after, drop, frames: s2.video.framesDecoded - s1.video.framesDecoded };
            });
            check(r.before === 1280 && r.after === 640 && r.frames > 10, 'auto player follows a dropped layer', r);
        }
        if (sc === 'longpause') {
            // a paused player (no media flowing to it) must not be mistaken for a vanished peer
            const r = await page.evaluate(async () => {
                const pub = await window.publish('lp');
                await window.wait(800);
                const on = await window.play('lp');
                await on.firstFrame;
                on.ws.sendJ({ type: 'pause' });
                await window.wait(12000);
                on.ws.sendJ({ type: 'play' });
                const s1 = await window.inbound(on.pc);
                await window.wait(1500);
                const s2 = await window.inbound(on.pc);
                [pub, on].forEach((p) => p.pc.close());
                return { frames: s2.video.framesDecoded - s1.video.framesDecoded, open: on.ws.readyState };
            });
            check(r.frames > 10 && r.open === 1, 'player survives a 12 s pause', r);
        }
        if (sc === 'ttff') {
            // time from play offer to first decoded frame, 10 sequential players on one live publisher
            const r = await page.evaluate(async () => {
                const pub = await window.publish('ttff');
                await window.wait(1500);
                const out = [];
                for (let i = 0; i < 10; i++) {
                    const p = await window.play('ttff');
                    const first = await Promise.race([p.firstFrame, window.wait(10000).then(() => -1)]);
                    const s = await window.inbound(p.pc);
                    out.push({ first: Math.round(first), answer: Math.round(p.tAnswer), pli: s.video?.pliCount });
                    p.pc.close();
                    p.ws.close();
                    await window.wait(300 + Math.random() * 700);
                }
                pub.pc.close();
                pub.ws.close();
                return out;
            });
            const firsts = r.map((x) => x.first).sort((a, b) => a - b);
            console.log(JSON.stringify(r));
            console.log(
                `time to first frame (ms): min ${firsts[0]} median ${firsts[Math.floor(firsts.length / 2)]} max ${firsts[firsts.length - 1]}`,
            );
            check(
                firsts.every((x) => x > 0),
                'every player decoded',
            );
        }
        if (sc === 'misc') {
            const r = await page.evaluate(async () => {
                const pub = await window.publish('misc');
                const ws = pub.ws;
                ws.sendJ({ type: 'rtp_props', nack: 100, drop: 300 });
                const rtp = await ws.next('on_rtp_props');
                ws.sendJ({ type: 'video_bitrate', video_bitrate: 300000 });
                const vb = await ws.next('on_video_bitrate');
                ws.sendJ({ type: 'keyframe_interval', keyframe_interval_millis: 1000 });
                const kf = await ws.next('on_keyframe_interval');
                ws.sendJ({ type: 'bogus' });
                const err = await ws.next('on_error');
                ws.send('garbage{');
                ws.send(new Uint8Array([1, 2, 3]));
                const mr = await ws.next('on_media_receive', 3000);
                await window.wait(6000);
                const out = await window.outboundVideo(pub.pc);
                const st1 = out[0];
                await window.wait(1000);
                const st2 = (await window.outboundVideo(pub.pc))[0];
                const bps = ((st2.bytesSent - st1.bytesSent) * 8) / ((st2.timestamp - st1.timestamp) / 1000);
                const on = await window.play('misc');
                await on.firstFrame;
                on.ws.sendJ({ type: 'pause' });
                const pause = await on.ws.next('pause');
                on.ws.sendJ({ type: 'set_speed', play_rate: 2 });
                const speed = await on.ws.next('set_speed');
                on.ws.sendJ({ type: 'seek', seek_time: 1000 });
                const seek = await on.ws.next('seek');
                const s1 = await window.inbound(on.pc);
                await window.wait(1000);
                const s2 = await window.inbound(on.pc);
                on.ws.sendJ({ type: 'play' });
                await window.wait(1500);
                const s3 = await window.inbound(on.pc);
                [pub, on].forEach((p) => p.pc.close());
                return {
                    rtp,
                    vb,
                    kf,
                    err,
                    mr,
                    bps: Math.round(bps),
                    pause,
                    speed,
                    seek,
                    pausedFrames: s2.video.framesDecoded - s1.video.framesDecoded,
                    resumedFrames: s3.video.framesDecoded - s2.video.framesDecoded,
                };
            });
            check(r.rtp.nack === 100 && r.rtp.drop === 300, 'rtp_props echoed', r.rtp);
            check(r.vb.video_bitrate === 300000, 'on_video_bitrate', r.vb);
            check(r.bps < 450000, 'publisher outbound bitrate follows REMB', r.bps);
            check(r.kf.result === 1000, 'on_keyframe_interval', r.kf);
            check(r.err.command === 'bogus', 'on_error for unknown command', r.err);
            check(typeof r.mr.stats?.loss_perc === 'number', 'on_media_receive', r.mr);
            check(r.pause.paused === true && r.pausedFrames <= 10, 'pause stops forwarding', r.pausedFrames);
            check(r.resumedFrames > 10, 'play resumes', r.resumedFrames);
            console.log(JSON.stringify({ speed: r.speed, seek: r.seek }));
        }
    } catch (e) {
        check(false, `${sc} threw`, String(e?.stack ?? e));
    }
}
if (errors.length) console.log('page errors:', errors);
await browser.close();
await server.close();
console.log(failures ? `\n${failures} FAILED` : '\nALL PASSED');
process.exit(failures ? 1 : 0);
