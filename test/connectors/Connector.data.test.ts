import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connector } from '../../src/connectors/Connector';
import type { ConnectorOptions, RTCPeerConnectionConstructor } from '../../src/core/types';
import { FakeDataChannel } from '../fakes/FakeDataChannel';
import { FakePeerConnection, serverAnswer } from '../fakes/FakePeerConnection';
import { fakeCamera } from '../fakes/media';
import { silent } from '../fakes/platform';

const params = { endPoint: 'media.example.com', streamName: 'live' };

/** A connector whose `_sip` answers locally (with or without the data channels). */
class LocalConnector extends Connector {
    rejectData = false;
    protected async _sip(offer: string): Promise<string> {
        return serverAnswer(offer, { rejectData: this.rejectData });
    }
}

function connector(stream?: MediaStream, extra: ConnectorOptions = {}, rejectData = false): LocalConnector {
    const c = new LocalConnector(params, stream, {
        RTCPeerConnection: FakePeerConnection as unknown as RTCPeerConnectionConstructor,
        logger: silent,
        ...extra,
    });
    c.rejectData = rejectData;
    return c;
}

const jsonChannel = () => FakeDataChannel.labelled('JSON').at(-1)!;

beforeEach(() => {
    vi.useFakeTimers();
    FakePeerConnection.reset();
});
afterEach(() => vi.useRealTimers());

describe('Connector: the timed-data channel', () => {
    it('a play offer carries a JSON data channel; its items arrive as data events, in the media clock', async () => {
        const c = connector();
        const items: unknown[][] = [];
        const opened: string[] = [];
        c.on('data', (...args) => items.push(args));
        c.on('dataChannel', (open) => opened.push(open));
        await vi.advanceTimersByTimeAsync(10);
        expect(c.peerConnection?.localDescription?.sdp).toContain('m=application 9 UDP/DTLS/SCTP webrtc-datachannel');
        expect(c.dataChannel).toBe('open');
        expect(opened).toEqual(['open']);
        jsonChannel().serverSend({ data: { score: '1-0' }, time: 61_000, track: 3 });
        jsonChannel().serverSend({ duration: 2000, time: 62_000, track: 4, data: 'Hello' });
        await vi.advanceTimersByTimeAsync(0);
        expect(items).toEqual([
            [61_000, 3, { score: '1-0' }, undefined],
            [62_000, 4, 'Hello', 2000],
        ]);
        c.close();
    });

    it('bad frames are dropped, the channel and the session carry on', async () => {
        const c = connector();
        const items: unknown[] = [];
        c.on('data', (time) => items.push(time));
        await vi.advanceTimersByTimeAsync(10);
        const channel = jsonChannel();
        for (const bad of ['not json', '[1,2]', '{"time":-5,"track":1}', '{"time":1,"track":1.5}', '{"time":1}']) {
            channel.serverSend(bad);
        }
        channel.onmessage?.({ data: new ArrayBuffer(4) });
        channel.serverSend({ time: 7, track: 2, data: null });
        await vi.advanceTimersByTimeAsync(0);
        expect(items).toEqual([7]);
        expect(c.opened).toBe(true);
        c.close();
    });

    it('an answer without the data channel says so at once (dataChannel false): the session plays on', async () => {
        const c = connector(undefined, {}, true);
        const opened: string[] = [];
        c.on('dataChannel', (open) => opened.push(open));
        await vi.advanceTimersByTimeAsync(6000);
        expect(opened).toEqual(['none']);
        expect(c.opened).toBe(true);
        expect(jsonChannel().readyState).toBe('closed');
        c.close();
    });

    it('a channel that does not open within 5 s of the media connection is given up', async () => {
        FakePeerConnection.openChannels = false;
        const c = connector();
        const opened: string[] = [];
        c.on('dataChannel', (open) => opened.push(open));
        await vi.advanceTimersByTimeAsync(4900);
        expect(c.dataChannel).toBe('connecting');
        expect(opened).toEqual([]);
        await vi.advanceTimersByTimeAsync(200);
        expect(opened).toEqual(['none']);
        c.close();
    });

    it('a channel the server closes is given up once; nothing after the session closed', async () => {
        const c = connector();
        const opened: string[] = [];
        c.on('dataChannel', (open) => opened.push(open));
        await vi.advanceTimersByTimeAsync(10);
        jsonChannel().serverClose();
        jsonChannel().serverClose();
        await vi.advanceTimersByTimeAsync(0);
        expect(opened).toEqual(['open', 'none']);
        expect(c.dataChannel).toBe('none');
        c.close();
        expect(vi.getTimerCount()).toBe(0);
    });

    it('dataChannels: false leaves the application m-line out of the offer', async () => {
        const c = connector(undefined, { dataChannels: false });
        await vi.advanceTimersByTimeAsync(10);
        expect(c.opened).toBe(true);
        expect(c.peerConnection?.localDescription?.sdp).not.toContain('m=application');
        expect(c.dataChannel).toBe('none');
        expect(FakeDataChannel.instances).toHaveLength(0);
        c.close();
    });
});

describe('Connector.sendData (publish sessions)', () => {
    it('sends JSON on the open channel; false before it opens; throws on play sessions and bad data', async () => {
        const publisher = connector(fakeCamera());
        expect(publisher.sendData({ slide: 1 })).toBe(false);
        await vi.advanceTimersByTimeAsync(10);
        expect(publisher.sendData({ slide: 2 })).toBe(true);
        expect(jsonChannel().sent).toEqual(['{"slide":2}']);
        expect(() => publisher.sendData(undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        expect(() => publisher.sendData('x'.repeat(70_000))).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        expect(() => publisher.sendData(cyclic)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        publisher.close();
        expect(publisher.sendData({ slide: 3 })).toBe(false);
        const player = connector();
        expect(() => player.sendData({})).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
        player.close();
    });
});
