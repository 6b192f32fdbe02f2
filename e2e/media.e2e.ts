/**
 * Publish → play through the reference server with the SDK's <script> build, in each browser of
 * {@link BROWSERS} (the same tests in Chromium and in Firefox).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSERS, publishCamera, startRefServer, waitFor, type CheckedTab, type RefServer } from './harness';
import { browserSuite } from './suite';
import { expectDecoding, playStream } from './playback';

let server: RefServer;
let name = 0;
const streamName = () => `e2e${++name}-${Date.now() % 100000}`;

beforeAll(async () => {
    server = await startRefServer({ playWaitMs: 2000, faults: true });
});
afterAll(async () => {
    await server?.close();
});

describe.each(BROWSERS)('%s', (browserName) => {
    const suite = browserSuite(browserName, () => server);
    /** The latest tab of the running test. */
    let tab: CheckedTab | undefined;

    async function newTab(): Promise<CheckedTab> {
        return (tab = await suite.newTab());
    }

    /** The page of the current tab. */
    const page = () => tab!.page;

    /** Publishes the fake camera as `stream` with a Streamer and waits until it streams. */
    async function publish(stream: string, endPoint: string, options: Record<string, unknown> = {}) {
        await publishCamera(page(), endPoint, stream, { streamer: options });
    }

    /** Plays `stream` with a Player into a new <video> and waits until it plays. */
    async function play(stream: string, endPoint: string, options: Record<string, unknown> = {}) {
        await playStream(page(), stream, endPoint, options);
    }

    describe('publish → play', () => {
        it('Streamer → Player over WebSocket signaling: video decodes and audio arrives', async () => {
            await newTab();
            const stream = streamName();
            await publish(stream, server.url.replace('http', 'ws'));
            await play(stream, server.url.replace('http', 'ws'));
            await expectDecoding(page());
        });

        it('WHIP → WHEP with HTTPConnector-based facades: video decodes and audio arrives', async () => {
            await newTab();
            const stream = streamName();
            await publish(stream, server.url);
            await play(stream, server.url);
            const kinds = await page().evaluate(() => {
                const { t, rtcwire } = window as any;
                return [t.store.streamer.connector, t.store.player.connector].map(
                    (c) => c instanceof rtcwire.HTTPConnector,
                );
            });
            expect(kinds).toEqual([true, true]);
            await expectDecoding(page());
        });

        it.each(['ws', 'http'] as const)(
            'a video-only stream plays over %s (the audio it lacks answered inactive)',
            async (transport) => {
                await newTab();
                const stream = streamName();
                const endPoint = transport === 'ws' ? server.url.replace('http', 'ws') : server.url;
                await publishCamera(page(), endPoint, stream, {
                    camera: { audio: false, video: { width: 640, height: 360, frameRate: 30 } },
                });
                await play(stream, endPoint);
                const result = await page().evaluate(async () => {
                    const { t } = window as any;
                    const video = document.getElementById('v') as HTMLVideoElement;
                    const deadline = Date.now() + 10_000;
                    while (video.videoWidth === 0 && Date.now() < deadline)
                        await new Promise((r) => setTimeout(r, 100));
                    return {
                        width: video.videoWidth,
                        frames: await t.countFrames(video, 1500),
                        tracks: t.store.player.stream.getTracks().map((track: MediaStreamTrack) => track.kind),
                    };
                });
                expect(result.width).toBeGreaterThan(0);
                expect(result.frames).toBeGreaterThan(10);
                expect(result.tracks).toEqual(['video']);
            },
        );

        it('WHIP/WHEP endpoint URLs used as the server gives them, with trickle ICE by PATCH', async () => {
            await newTab();
            const stream = streamName();
            const patches: string[] = [];
            page().onResponse((r) => {
                if (r.method === 'PATCH') patches.push(`${r.status} ${new URL(r.url).pathname}`);
            });
            // Janus-style and suffix-style endpoint URLs (with a query): POSTed to unchanged.
            await publish(stream, `${server.url}/whip/endpoint/${stream}`);
            await play(stream, `${server.url}/live/${stream}/whep?x=1`);
            const urls = await page().evaluate(() => {
                const { t } = window as any;
                return [t.store.streamer.connector.url, t.store.player.connector.url];
            });
            expect(urls).toEqual([`${server.url}/whip/endpoint/${stream}`, `${server.url}/live/${stream}/whep?x=1`]);
            await expectDecoding(page());
            // Both sessions trickled their candidates to their own resource, and the server took them.
            expect(patches.some((p) => p.startsWith(`204 /whip/${stream}/`))).toBe(true);
            expect(patches.some((p) => p.startsWith(`204 /whep/${stream}/`))).toBe(true);
            expect(patches.every((p) => p.startsWith('204 '))).toBe(true);
        });

        it('WSController: playing about every second with current advancing; rtp props; publisher bitrate command', async () => {
            await newTab();
            const stream = streamName();
            const ws = server.url.replace('http', 'ws');
            const result = await page().evaluate(
                async ({ stream, ws }) => {
                    const { t, rtcwire } = window as any;
                    const camera = await t.camera({ video: { width: 1280, height: 720, frameRate: 30 }, audio: true });
                    const pub = new rtcwire.WSController({ endPoint: ws, streamName: stream }, camera);
                    t.store.pub = pub;
                    t.store.camera = camera;
                    await pub.once('open');
                    // The sent bitrate before the command, to compare with: wait (up to ~15 s) for the
                    // encoder to ramp up well above the 300 kbps about to be asked, so a drop is visible.
                    await new Promise((r) => setTimeout(r, 3000));
                    let before = 0;
                    for (let i = 0; i < 6 && before < 450_000; i++) {
                        before = await t.outboundBitrate(pub.peerConnection, 2000);
                    }
                    const bitrateEvent = new Promise(
                        (resolve) => (pub.onVideoBitrate = (b: number, c: number) => resolve([b, c])),
                    );
                    const reply = await pub.setVideoBitrate(300_000);
                    const event = await bitrateEvent;
                    const ctrl = new rtcwire.WSController({ endPoint: ws, streamName: stream });
                    t.store.ctrl = ctrl;
                    const playing: { current: number; at: number }[] = [];
                    ctrl.onPlaying = (infos: any) => playing.push({ current: infos.current, at: performance.now() });
                    await ctrl.once('open');
                    const propsEvent = new Promise((resolve) => ctrl.on('rtpProps', resolve));
                    const props = await ctrl.setRTPProps(100, 300);
                    const propsSeen = await propsEvent;
                    await new Promise((r) => setTimeout(r, 4500));
                    // Let the encoder settle to the new cap, then measure.
                    const bitrate = await t.outboundBitrate(pub.peerConnection, 3000);
                    return { reply, event, props, propsSeen, playing, bitrate, before };
                },
                { stream, ws },
            );
            expect(result.reply).toMatchObject({ videoBitrate: 300_000 });
            expect(result.event).toEqual([300_000, expect.any(Number)]);
            expect(result.props).toEqual({ nack: 100, drop: 300 });
            expect(result.propsSeen).toEqual({ nack: 100, drop: 300 });
            expect(result.playing.length).toBeGreaterThanOrEqual(3);
            const last = result.playing[result.playing.length - 1]!;
            const first = result.playing[0]!;
            expect(last.current).toBeGreaterThan(first.current);
            const intervals = result.playing.slice(1).map((p, i) => p.at - result.playing[i]!.at);
            const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
            expect(mean).toBeGreaterThan(500);
            expect(mean).toBeLessThan(2000);
            // 300 kbps asked: the server's REMB brings Chromium's encoder down to about that (overshoot
            // allowed). Firefox 153 ignores this server's REMB (measured: 410 kbps before, 700 after):
            // the Streamer caps the encoder itself, as the next test checks in both browsers.
            if (browserName === 'chromium') {
                expect(result.before).toBeGreaterThan(result.bitrate * 1.2);
                expect(result.bitrate).toBeLessThan(380_000);
                expect(result.bitrate).toBeGreaterThan(50_000);
            }
        });

        it('Streamer.videoBitrate caps the encoder (RTCRtpSender.setParameters), whatever the browser makes of REMB', async () => {
            await newTab();
            const stream = streamName();
            await publishCamera(page(), server.url.replace('http', 'ws'), stream, {
                camera: { video: { width: 1280, height: 720, frameRate: 30 }, audio: true },
            });
            const result = await page().evaluate(async () => {
                const { t } = window as any;
                const streamer = t.store.streamer;
                const pc = () => streamer.connector.peerConnection;
                // Ramp up first (up to ~15 s) well above the cap about to be set, so a drop is visible.
                let before = 0;
                for (let i = 0; i < 7 && before < 350_000; i++) before = await t.outboundBitrate(pc(), 2000);
                streamer.videoBitrate = 150_000;
                await new Promise((r) => setTimeout(r, 3000));
                const after = await t.outboundBitrate(pc(), 3000);
                const { encodings } = pc()
                    .getSenders()
                    .find((s: RTCRtpSender) => s.track?.kind === 'video')
                    .getParameters();
                return { before, after, maxBitrate: encodings[0].maxBitrate, state: streamer.state };
            });
            expect(result.maxBitrate).toBe(150_000);
            expect(result.state).toBe('streaming');
            expect(result.before).toBeGreaterThan(result.after * 1.5);
            expect(result.after).toBeLessThan(200_000);
            expect(result.after).toBeGreaterThan(30_000);
        });

        it('the player gets STREAM_ENDED when the publisher stops', async () => {
            await newTab();
            const stream = streamName();
            const ws = server.url.replace('http', 'ws');
            await publish(stream, ws);
            await play(stream, ws);
            const stop = await page().evaluate(async () => {
                const { t } = window as any;
                const stopped = new Promise<any>((resolve) => t.store.player.on('stop', resolve));
                t.store.streamer.stop();
                const error = await stopped;
                return { code: error?.code, retryable: error?.retryable, state: t.store.player.state };
            });
            expect(stop).toEqual({ code: 'STREAM_ENDED', retryable: false, state: 'stopped' });
        });

        it('playing a stream nobody publishes ends in a clear error after the server wait', async () => {
            await newTab();
            const result = await page().evaluate(
                async (ws) => {
                    const { t, rtcwire } = window as any;
                    const player = new rtcwire.Player(t.video('v'), { reconnect: false });
                    t.store.player = player;
                    const started = performance.now();
                    const error = await new Promise<any>((resolve) => {
                        player.on('stop', resolve);
                        player.start({ endPoint: ws, streamName: 'nobody-here' });
                    });
                    return {
                        code: error?.code,
                        message: error?.message,
                        retryable: error?.retryable,
                        ms: performance.now() - started,
                    };
                },
                server.url.replace('http', 'ws'),
            );
            expect(['STREAM_NOT_FOUND', 'REFUSED']).toContain(result.code);
            expect(result.retryable).toBe(false);
            expect(result.message.length).toBeGreaterThan(5);
            expect(result.ms).toBeGreaterThan(1500);
        });

        it('replaceTrack on a live publisher keeps the session and the player keeps decoding', async () => {
            await newTab();
            const stream = streamName();
            const ws = server.url.replace('http', 'ws');
            await publish(stream, ws);
            await play(stream, ws);
            await expectDecoding(page());
            const state = await page().evaluate(async () => {
                const { t } = window as any;
                const other = await t.camera({ video: { width: 320, height: 240 } });
                t.store.other = { stop: () => other.getTracks().forEach((tr: MediaStreamTrack) => tr.stop()) };
                await t.store.streamer.replaceTrack('video', other.getVideoTracks()[0]);
                return t.store.streamer.state;
            });
            expect(state).toBe('streaming');
            // The new source is 320x240: the player follows it and keeps decoding.
            await waitFor(
                () => page().evaluate(() => (document.getElementById('v') as HTMLVideoElement).videoWidth === 320),
                10_000,
            );
            await expectDecoding(page());
            const events = await page().evaluate(() => (window as any).t.store.playerEvents.map((e: any) => e.ev));
            expect(events).not.toContain('reconnecting');
        });

        // Simulcast is Chromium's here, like the policies built on it (reliability.e2e.ts): Firefox
        // passed it alone, but its lowest layer decoded nothing within 10 s on a loaded machine.
        it.runIf(browserName === 'chromium')(
            'simulcast publish: setVideoTrack(n) switches the decoded resolution',
            async () => {
                await newTab();
                const stream = streamName();
                const ws = server.url.replace('http', 'ws');
                const result = await page().evaluate(
                    async ({ stream, ws }) => {
                        const { t, rtcwire } = window as any;
                        const camera = await t.camera({
                            audio: true,
                            video: { width: 1280, height: 720, frameRate: 30 },
                        });
                        t.store.camera = {
                            stop: () => camera.getTracks().forEach((tr: MediaStreamTrack) => tr.stop()),
                        };
                        const pub = new rtcwire.WSController({ endPoint: ws, streamName: stream }, camera, {
                            simulcast: true,
                        });
                        t.store.pub = pub;
                        await pub.once('open');
                        // The server lists one video track per layer once it has seen their keyframes.
                        const layers = async () => {
                            const info = await (await fetch(`/json_${encodeURIComponent(stream)}.js`)).json();
                            return Object.values(info.meta?.tracks ?? {})
                                .filter((tr: any) => tr.type === 'video' && tr.width)
                                .map((tr: any) => ({ idx: tr.idx, width: tr.width }))
                                .sort((a: any, b: any) => a.width - b.width);
                        };
                        let list: { idx: number; width: number }[] = [];
                        for (let i = 0; i < 100 && list.length < 3; i++) {
                            list = await layers();
                            await new Promise((r) => setTimeout(r, 100));
                        }
                        const ctrl = new rtcwire.WSController({ endPoint: ws, streamName: stream });
                        t.store.ctrl = ctrl;
                        const video = t.video('v');
                        video.srcObject = await ctrl.once('open');
                        const widthAfter = async (track: number) => {
                            await ctrl.setVideoTrack(track);
                            const deadline = Date.now() + 10_000;
                            const pc = ctrl.peerConnection;
                            for (;;) {
                                const { width } = await t.inbound(pc);
                                if (width === list.find((l) => l.idx === track)!.width || Date.now() > deadline)
                                    return width;
                                await new Promise((r) => setTimeout(r, 100));
                            }
                        };
                        const low = await widthAfter(list[0]!.idx);
                        const high = await widthAfter(list[list.length - 1]!.idx);
                        return { list, low, high };
                    },
                    { stream, ws },
                );
                expect(result.list.length).toBeGreaterThanOrEqual(2);
                expect(result.low).toBe(result.list[0]!.width);
                expect(result.high).toBe(result.list[result.list.length - 1]!.width);
                expect(result.high).toBeGreaterThan(result.low);
            },
        );
    });
});
