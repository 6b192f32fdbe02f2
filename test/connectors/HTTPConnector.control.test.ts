import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HTTPConnector } from '../../src/connectors/HTTPConnector';
import type { RtcError } from '../../src/core/RtcError';
import type { ConnectorOptions, FetchFunction, RTCPeerConnectionConstructor } from '../../src/core/types';
import { FakeDataChannel } from '../fakes/FakeDataChannel';
import { FakePeerConnection, serverAnswer } from '../fakes/FakePeerConnection';
import { fakeCamera } from '../fakes/media';
import { silent } from '../fakes/platform';

/** A WHEP/WHIP endpoint in memory: 201 with the answer (data channels accepted unless told). */
function endpoint(rejectData = false): FetchFunction {
    return async (_url, init) => {
        if (init?.method !== 'POST') return new Response(null, { status: 200 });
        return new Response(serverAnswer(String(init.body), { rejectData }), {
            status: 201,
            headers: { 'Content-Type': 'application/sdp', Location: '/whep/live/1' },
        });
    };
}

function whep(extra: ConnectorOptions = {}, stream?: MediaStream, rejectData = false): HTTPConnector {
    return new HTTPConnector({ endPoint: 'http://127.0.0.1:1', streamName: 'live' }, stream, {
        RTCPeerConnection: FakePeerConnection as unknown as RTCPeerConnectionConstructor,
        fetch: endpoint(rejectData),
        logger: silent,
        ...extra,
    });
}

const control = () => FakeDataChannel.labelled('MistControl').at(-1)!;
const codeOf = (promise: Promise<unknown>) =>
    promise.then(
        () => 'resolved',
        (e: RtcError) => e.code,
    );

beforeEach(() => {
    vi.useFakeTimers();
    FakePeerConnection.reset();
});
afterEach(() => vi.useRealTimers());

describe('HTTPConnector: commands over MistControl (WHEP)', () => {
    it('a play session opens MistControl; commands issued before it opens go out once it does', async () => {
        const c = whep();
        const tracks = c.setTracks({ video: 2, meta: [3, 4] });
        await vi.advanceTimersByTimeAsync(0);
        expect(control().sent).toEqual([]);
        await vi.advanceTimersByTimeAsync(20);
        expect(control().sentMessages).toEqual([{ type: 'tracks', video: '2', meta: '3,4' }]);
        await expect(tracks).resolves.toMatchObject({ tracks: [0, 2] });
        expect(c.controllable).toBe(true);
        c.close();
    });

    it('the same Promise results as the WebSocket session: hold → paused, setSpeed → its report', async () => {
        const c = whep();
        await vi.advanceTimersByTimeAsync(20);
        const held = c.hold();
        const speed = c.setSpeed(2);
        const played = c.play();
        await vi.advanceTimersByTimeAsync(5);
        await expect(held).resolves.toBe(true);
        await expect(speed).resolves.toMatchObject({ playRate: 2 });
        await expect(played).resolves.toBeUndefined();
        expect(control().sentMessages.map((m) => m.type)).toEqual(['hold', 'set_speed', 'play']);
        c.close();
    });

    it("the server's reports on the channel are the connector's events; on_stop ends the session", async () => {
        const c = whep();
        const playing: number[] = [];
        const closes: (RtcError | undefined)[] = [];
        c.on('playing', (infos) => playing.push(infos.current));
        c.on('close', (e) => closes.push(e));
        await vi.advanceTimersByTimeAsync(20);
        control().serverSend({ type: 'on_time', data: { begin: 0, current: 4200, end: 4300, tracks: [0, 1] } });
        control().serverSend({ type: 'on_stop', data: {} });
        await vi.advanceTimersByTimeAsync(0);
        expect(playing).toEqual([4200]);
        expect(closes.map((e) => e?.code)).toEqual(['STREAM_ENDED']);
    });

    it('an on_error naming a command rejects it with REFUSED; the session stays', async () => {
        FakeDataChannel.server = (channel, text) => {
            const { type } = JSON.parse(text) as { type: string };
            channel.serverSend({ type: 'on_error', command: type, message: 'no such track' });
        };
        const c = whep();
        await vi.advanceTimersByTimeAsync(20);
        const refused = codeOf(c.setVideoTrack(9));
        await vi.advanceTimersByTimeAsync(5);
        expect(await refused).toBe('REFUSED');
        expect(c.opened).toBe(true);
        c.close();
    });

    it('without a data channel in the answer, commands reject with NOT_SUPPORTED at once', async () => {
        const c = whep({}, undefined, true);
        const pending = codeOf(c.setVideoTrack(1));
        await vi.advanceTimersByTimeAsync(10);
        expect(await pending).toBe('NOT_SUPPORTED');
        expect(await codeOf(c.seek(0))).toBe('NOT_SUPPORTED');
        expect(c.controllable).toBe(false);
        expect(c.opened).toBe(true);
        c.close();
    });

    it('a MistControl that closes turns the commands off; a silent one times out each command', async () => {
        const c = whep({ commandTimeoutMs: 1000 });
        FakeDataChannel.server = () => undefined;
        await vi.advanceTimersByTimeAsync(20);
        const silentReply = codeOf(c.setVideoTrack(1));
        await vi.advanceTimersByTimeAsync(1100);
        expect(await silentReply).toBe('TIMEOUT');
        control().serverClose();
        expect(await codeOf(c.hold())).toBe('NOT_SUPPORTED');
        expect(c.opened).toBe(true);
        c.close();
    });

    it('WHIP sessions and dataChannels: false take no commands', async () => {
        const publisher = whep({}, fakeCamera());
        expect(await codeOf(publisher.setVideoTrack(1))).toBe('NOT_SUPPORTED');
        const player = whep({ dataChannels: false });
        expect(await codeOf(player.setVideoTrack(1))).toBe('NOT_SUPPORTED');
        await vi.advanceTimersByTimeAsync(20);
        expect(FakeDataChannel.labelled('MistControl')).toHaveLength(0);
        publisher.close();
        player.close();
    });

    it('closing rejects the commands that wait and releases the channels', async () => {
        const c = whep();
        const pending = codeOf(c.setVideoTrack(1));
        c.close();
        expect(await pending).toBe('INVALID_STATE');
        await vi.advanceTimersByTimeAsync(20);
        expect(FakeDataChannel.instances.every((channel) => channel.readyState === 'closed')).toBe(true);
    });
});
