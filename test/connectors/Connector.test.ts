import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connector } from '../../src/connectors/Connector';
import { RtcError } from '../../src/core/RtcError';
import type { ConnectorOptions, RTCPeerConnectionConstructor } from '../../src/core/types';
import { Player } from '../../src/facades/Player';
import { Streamer } from '../../src/facades/Streamer';
import { FakePeerConnection, serverAnswer } from '../fakes/FakePeerConnection';
import { fakeCamera } from '../fakes/media';
import { flush } from '../helpers/wait';
import { silent } from '../fakes/platform';

const options: ConnectorOptions = {
    RTCPeerConnection: FakePeerConnection as unknown as RTCPeerConnectionConstructor,
    logger: silent,
};
const params = { endPoint: 'media.example.com', streamName: 'live' };

/** A connector with signaling of its own: `_sip` answers from a local function. */
class LocalConnector extends Connector {
    /** A field with an initializer: it must be set before the session calls the hooks. */
    readonly offers: string[] = [];
    answer: (offer: string) => Promise<string> = async (offer) => serverAnswer(offer);

    protected async _sip(offer: string): Promise<string> {
        this.offers.push(offer);
        return this.answer(offer);
    }
}

beforeEach(() => FakePeerConnection.reset());
afterEach(() => vi.useRealTimers());

describe('Connector: extending it', () => {
    it('a subclass implementing only _sip plays: the offer is recvonly, the answer is applied, open fires', async () => {
        const c = new LocalConnector(params, undefined, options);
        const stream = await c.once('open');
        expect(c.offers).toHaveLength(1);
        expect(c.offers[0]).toContain('a=recvonly');
        expect(c.peerConnection?.remoteDescription?.sdp).toBe(serverAnswer(c.offers[0]!));
        expect(stream.getTracks()).toHaveLength(2);
        expect([...c.codecs].sort()).toEqual(['OPUS', 'VP8']);
        c.close();
    });

    it('starts after the constructor chain: subclass fields exist when _open and _sip run', async () => {
        const seen: unknown[] = [];
        class Early extends Connector {
            readonly tag = 'ready';
            protected override _open(iceServers?: RTCIceServer[]): Promise<void> {
                seen.push(this.tag);
                return super._open(iceServers);
            }
            protected async _sip(offer: string): Promise<string> {
                seen.push(this.tag);
                return serverAnswer(offer);
            }
        }
        const c = new Early(params, undefined, options);
        // Nothing has started synchronously: no peer connection yet.
        expect(c.peerConnection).toBeUndefined();
        await c.once('open');
        expect(seen).toEqual(['ready', 'ready']);
        c.close();
    });

    it('iceServer (one server, the Ceeblue name) is added after iceServers', async () => {
        const c = new LocalConnector(
            { ...params, iceServers: [{ urls: 'stun:a.example' }], iceServer: { urls: 'stun:b.example' } },
            undefined,
            options,
        );
        await c.once('open');
        expect(FakePeerConnection.instances[0]!.configuration?.iceServers).toEqual([
            { urls: 'stun:a.example' },
            { urls: 'stun:b.example' },
        ]);
        c.close();
    });

    it('_open can be overridden to prepare ICE servers first', async () => {
        class WithIce extends LocalConnector {
            protected override async _open(): Promise<void> {
                await flush(); // e.g. a request for TURN credentials
                return super._open([{ urls: 'turn:turn.example.com', username: 'u', credential: 'c' }]);
            }
        }
        const c = new WithIce(params, undefined, options);
        await c.once('open');
        expect(FakePeerConnection.instances[0]!.configuration?.iceServers).toEqual([
            { urls: 'turn:turn.example.com', username: 'u', credential: 'c' },
        ]);
        c.close();
    });

    it('a _sip rejection closes the session with it (an RtcError keeps its code, anything else is SIGNALING_FAILED)', async () => {
        const refused = new LocalConnector(params, undefined, options);
        refused.answer = () => Promise.reject(new RtcError('ACCESS_DENIED', 'no token'));
        expect(await refused.once('close')).toMatchObject({ code: 'ACCESS_DENIED', message: 'no token' });

        const broken = new LocalConnector(params, undefined, options);
        broken.answer = () => Promise.reject(new Error('socket gone'));
        expect(await broken.once('close')).toMatchObject({ code: 'SIGNALING_FAILED', message: 'socket gone' });
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('a _sip that never settles ends in TIMEOUT after answerTimeoutMs, releasing the peer connection', async () => {
        vi.useFakeTimers();
        const c = new LocalConnector(params, undefined, { ...options, answerTimeoutMs: 3000 });
        c.answer = () => new Promise<string>(() => {});
        const closed = c.once('close');
        await vi.advanceTimersByTimeAsync(2999);
        expect(c.closed).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        expect(await closed).toMatchObject({ code: 'TIMEOUT' });
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(vi.getTimerCount()).toBe(0);
    });

    it('a publish answer that rejects every track ends at once in MEDIA_FAILED (not a lost session)', async () => {
        FakePeerConnection.autoConnectMs = 1;
        const c = new LocalConnector(params, fakeCamera(), options);
        c.answer = async (offer) => serverAnswer(offer).replace(/^m=(audio|video) \d+/gm, 'm=$1 0');
        const error = await c.once('close');
        expect(error).toMatchObject({ code: 'MEDIA_FAILED', retryable: false });
        expect(error?.message).toMatch(/rejected every published track/);
        expect(c.opened).toBe(false);
    });

    it('a publish answer that rejects one track (Firefox video before issue #14) ends in MEDIA_FAILED naming it', async () => {
        FakePeerConnection.autoConnectMs = 1;
        const c = new LocalConnector(params, fakeCamera(), options);
        c.answer = async (offer) => serverAnswer(offer).replace(/^m=video \d+/m, 'm=video 0');
        const error = await c.once('close');
        expect(error).toMatchObject({ code: 'MEDIA_FAILED', retryable: false });
        expect(error?.message).toBe('the server rejected the published video track (check the codecs it accepts)');
        expect(c.opened).toBe(false);
    });

    it('a play answer without the video (rejected or inactive) ends in MEDIA_FAILED before it opens', async () => {
        for (const edit of [
            (a: string) => a.replace(/^m=video \d+/m, 'm=video 0'),
            (a: string) => a.replace(/a=sendonly(?![\s\S]*a=sendonly)/, 'a=inactive'),
        ]) {
            const c = new LocalConnector(params, undefined, options);
            c.answer = async (offer) => edit(serverAnswer(offer));
            const opens = vi.fn();
            c.on('open', opens);
            const error = await c.once('close');
            expect(error).toMatchObject({ code: 'MEDIA_FAILED', retryable: false });
            expect(error?.message).toMatch(/^the server sends no video: its answer rejects the video m-line/);
            expect(opens).not.toHaveBeenCalled();
        }
    });

    it('requiredMedia: audio-only plays with ["audio"]; a missing audio fails with ["audio", "video"]', async () => {
        const videoRejected = async (offer: string) => serverAnswer(offer).replace(/^m=video \d+/m, 'm=video 0');
        const radio = new LocalConnector(params, undefined, { ...options, requiredMedia: ['audio'] });
        radio.answer = videoRejected;
        expect((await radio.once('open')).getTracks().map((t) => t.kind)).toEqual(['audio']);
        radio.close();
        const anything = new LocalConnector(params, undefined, { ...options, requiredMedia: [] });
        anything.answer = videoRejected;
        await anything.once('open');
        anything.close();
        const both = new LocalConnector(params, undefined, { ...options, requiredMedia: ['audio', 'video'] });
        both.answer = async (offer) => serverAnswer(offer, { rejectAudio: true });
        expect((await both.once('close'))?.message).toMatch(/^the server sends no audio:/);
    });

    it('an answer that is not SDP ends in SIGNALING_FAILED', async () => {
        const c = new LocalConnector(params, undefined, options);
        c.answer = async () => 'not sdp';
        expect(await c.once('close')).toMatchObject({ code: 'SIGNALING_FAILED', message: 'invalid SDP answer' });
    });

    it('close() right after construction: nothing starts, close fires once', async () => {
        const c = new LocalConnector(params, undefined, options);
        const closes = vi.fn();
        c.on('close', closes);
        c.close();
        await flush();
        expect(FakePeerConnection.instances).toHaveLength(0);
        expect(c.offers).toHaveLength(0);
        expect(closes).toHaveBeenCalledTimes(1);
    });

    it('a Player and a Streamer accept the class as their connector option', async () => {
        const player = new Player(undefined, {
            connector: LocalConnector,
            connectorOptions: options,
            logger: silent,
            metadata: false,
        });
        player.start(params);
        await player.once('start');
        expect(player.connector).toBeInstanceOf(LocalConnector);
        expect(player.state).toBe('playing');
        player.stop();

        FakePeerConnection.autoConnectMs = 1;
        const streamer = new Streamer({ connector: LocalConnector, connectorOptions: options, logger: silent });
        streamer.start(fakeCamera(), params);
        await streamer.once('start');
        expect(streamer.connector).toBeInstanceOf(LocalConnector);
        expect((streamer.connector as LocalConnector).offers[0]).toContain('a=sendonly');
        streamer.stop();
    });
});
