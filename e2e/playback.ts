/**
 * Playing a stream in a test page and checking that its video decodes, shared by the tests that
 * publish in one browser and play in the same or the other one. Needs `installPageHelpers`.
 */
import { expect } from 'vitest';
import type { Evaluates } from './harness';

/**
 * Plays `stream` with a Player into a new `<video id="v">` and resolves once it plays (rejects if
 * it stops first). `t.store.player` holds it, `t.store.playerEvents` its events.
 */
export async function playStream(
    page: Evaluates,
    stream: string,
    endPoint: string,
    options: Record<string, unknown> = {},
): Promise<void> {
    await page.evaluate(
        async ({ stream, endPoint, options }) => {
            const { t, rtcwire } = window as any;
            const player = new rtcwire.Player(t.video('v'), options);
            t.store.player = player;
            t.store.playerEvents = [];
            for (const ev of ['state', 'stop', 'reconnecting', 'timings', 'playing']) {
                player.on(ev, (arg: any) =>
                    t.store.playerEvents.push({
                        ev,
                        arg: ev === 'stop' ? arg && { code: arg.code, message: arg.message } : arg,
                    }),
                );
            }
            const playing = new Promise<void>((resolve, reject) => {
                player.on('state', (s: string) => s === 'playing' && resolve());
                player.on('stop', (e: any) => reject(new Error(`player stopped: ${e?.code} ${e?.message}`)));
            });
            player.start({ endPoint, streamName: stream });
            await playing;
        },
        { stream, endPoint, options },
    );
}

/** What the player's `<video id="v">` shows over 2 s, with its inbound counters before and after. */
export interface Decoding {
    width: number;
    height: number;
    /** Frames presented (requestVideoFrameCallback). */
    frames: number;
    before: { framesDecoded: number; audioPackets: number };
    after: { framesDecoded: number; audioPackets: number };
}

/**
 * Asserts that the player's video decodes: a size (waited for up to 10 s), frames presented,
 * `framesDecoded` rising, audio arriving.
 */
export async function expectDecoding(page: Evaluates): Promise<Decoding> {
    const result = await page.evaluate(async (): Promise<Decoding> => {
        const { t } = window as any;
        const video = document.getElementById('v') as HTMLVideoElement;
        const pc = t.store.player.connector.peerConnection;
        const deadline = Date.now() + 10_000;
        while (video.videoWidth === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const before = await t.inbound(pc);
        const frames = await t.countFrames(video, 2000);
        const after = await t.inbound(pc);
        return { width: video.videoWidth, height: video.videoHeight, frames, before, after };
    });
    expect(result.width).toBeGreaterThan(0);
    expect(result.height).toBeGreaterThan(0);
    expect(result.frames).toBeGreaterThan(10);
    expect(result.after.framesDecoded).toBeGreaterThan(result.before.framesDecoded + 10);
    expect(result.after.audioPackets).toBeGreaterThan(result.before.audioPackets);
    return result;
}
