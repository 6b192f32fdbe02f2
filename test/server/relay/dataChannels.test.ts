// The reference server's data channels, on fake channels: a publisher's channel becomes a data
// track relayed to the players' JSON channels, and MistControl takes the signaling's commands.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ITEMS_PER_SECOND } from '../../../demo/server/relay/DataTrack.ts';
import type { PeerDataChannel } from '../../../demo/server/relay/dataChannels.ts';
import { PlaySession } from '../../../demo/server/relay/PlaySession.ts';
import { PublishSession } from '../../../demo/server/relay/PublishSession.ts';
import type { Channel } from '../../../demo/server/relay/Session.ts';
import { Track } from '../../../demo/server/relay/Track.ts';
import { testRegistry } from '../helpers.ts';

/** A data channel the test drives: `receive` is the client writing, `sent` what the server wrote. */
class FakeChannel implements PeerDataChannel {
    readyState = 'open';
    readonly sent: string[] = [];
    private listener?: (data: string | Buffer) => void;
    readonly onMessage = { subscribe: (fn: (data: string | Buffer) => void) => (this.listener = fn) };
    constructor(
        readonly label: string,
        readonly protocol = '',
    ) {}
    send(data: string): void {
        this.sent.push(data);
    }
    close(): void {
        this.readyState = 'closed';
    }
    receive(data: string | Buffer): void {
        this.listener?.(data);
    }
    get messages(): Record<string, unknown>[] {
        return this.sent.map((text) => JSON.parse(text) as Record<string, unknown>);
    }
}

const silentChannel: Channel = { send: () => undefined, close: () => undefined };
const sessions: { close(): void }[] = [];

function relay() {
    const registry = testRegistry();
    const stream = registry.get('cam');
    const publisher = new PublishSession(registry, stream, silentChannel);
    stream.setPublisher(publisher);
    // The publisher's media tracks: audio 0, video 1 (as a publish offer makes them).
    const codec = { pt: 111, name: 'opus', clockRate: 48_000, fmtp: '' };
    stream.tracks = [
        new Track(0, 'audio', codec, '0'),
        new Track(1, 'video', { ...codec, name: 'VP8', clockRate: 90_000 }, '1'),
    ];
    const player = new PlaySession(registry, stream, silentChannel);
    sessions.push(publisher, player);
    return { registry, stream, publisher, player };
}

afterEach(() => {
    for (const session of sessions.splice(0)) session.close();
});

describe('a publisher’s data channel', () => {
    it('becomes a data track after the media tracks at its first item; each reaches the players in the media clock', () => {
        const { stream, publisher, player } = relay();
        const out = new FakeChannel('JSON');
        player.acceptDataChannel(out);
        const from = new FakeChannel('JSON');
        publisher.acceptDataChannel(from);
        // A channel that carries nothing adds no track.
        expect(stream.dataTracks).toEqual([]);
        from.receive('not json');
        expect(stream.dataTracks).toEqual([]);
        from.receive(JSON.stringify({ n: 1 }));
        expect(stream.dataTracks.map((t) => t.index)).toEqual([2]);
        from.receive('not json');
        from.receive(Buffer.from([1, 2]));
        from.receive(JSON.stringify('x'.repeat(70 * 1024)));
        from.receive(JSON.stringify({ n: 2 }));
        expect(out.messages.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }]);
        for (const item of out.messages) {
            expect(item.track).toBe(2);
            expect(item.time).toBeGreaterThanOrEqual(0);
            expect(item.time).toBeLessThan(60_000);
        }
        // The metadata lists it as a meta track (the stream has had no packets: waiting for data).
        stream.tracks[0]!.stats.packets = 1;
        expect(stream.mistInfo()).toMatchObject({
            meta: { tracks: { meta_JSON_2: { idx: 2, type: 'meta', codec: 'JSON' } } },
        });
    });

    it('the players’ `meta` choice selects the tracks; a paused player gets none; a flood is capped', () => {
        const { publisher, player } = relay();
        const out = new FakeChannel('x', 'JSON'); // by its protocol
        player.acceptDataChannel(out);
        const first = new FakeChannel('a');
        const second = new FakeChannel('b');
        publisher.acceptDataChannel(first);
        publisher.acceptDataChannel(second);
        expect(player.command({ type: 'tracks', meta: '3' })).toBe(true);
        first.receive('1'); // track 2
        second.receive('2'); // track 3
        expect(out.messages.map((m) => [m.track, m.data])).toEqual([[3, 2]]);
        player.command({ type: 'tracks', meta: 'none' });
        second.receive('3');
        player.command({ type: 'tracks', meta: 'auto' });
        player.command({ type: 'hold' });
        second.receive('4');
        player.command({ type: 'play' });
        const flood = new FakeChannel('c');
        publisher.acceptDataChannel(flood);
        for (let i = 0; i < MAX_ITEMS_PER_SECOND + 10; i++) flood.receive(String(i));
        expect(out.messages.filter((m) => m.track === 4)).toHaveLength(MAX_ITEMS_PER_SECOND);
        // Neither the item sent while `none` nor the one sent while held reached the player.
        expect(out.messages.filter((m) => m.track === 3).map((m) => m.data)).toEqual([2]);
    });

    it('a publisher has at most 4 data tracks: a fifth channel that sends is closed', () => {
        const { stream, publisher } = relay();
        const channels = [1, 2, 3, 4, 5].map((i) => new FakeChannel(`c${i}`));
        for (const channel of channels) {
            publisher.acceptDataChannel(channel);
            channel.receive('{}');
        }
        expect(stream.dataTracks.map((t) => t.index)).toEqual([2, 3, 4, 5]);
        expect(channels.map((c) => c.readyState)).toEqual(['open', 'open', 'open', 'open', 'closed']);
    });

    it('a publisher that stops takes its data tracks with it; channels of a closed session are closed', () => {
        const { stream, publisher } = relay();
        const from = new FakeChannel('JSON');
        publisher.acceptDataChannel(from);
        from.receive('{}');
        expect(stream.dataTracks).toHaveLength(1);
        publisher.close();
        expect(stream.dataTracks).toEqual([]);
        const late = new FakeChannel('JSON');
        publisher.acceptDataChannel(late);
        expect(late.readyState).toBe('closed');
    });
});

describe('MistControl', () => {
    it('takes the commands of the WebSocket signaling and replies on the channel', () => {
        const { player } = relay();
        const control = new FakeChannel('MistControl');
        player.acceptDataChannel(control);
        control.receive(JSON.stringify({ type: 'tracks', video: '1' }));
        control.receive(JSON.stringify({ type: 'hold' }));
        control.receive(JSON.stringify({ type: 'set_speed', play_rate: 2 }));
        control.receive(JSON.stringify({ type: 'seek', seek_time: 0 }));
        control.receive(JSON.stringify({ type: 'rtp_props', nack: 7 }));
        control.receive(JSON.stringify({ type: 'frobnicate' }));
        control.receive('[]');
        control.receive('not json');
        expect(control.messages.map((m) => m.type)).toEqual([
            'on_time',
            'pause',
            'set_speed',
            'seek',
            'on_rtp_props',
            'on_error',
            'on_error',
        ]);
        expect(control.messages[5]).toMatchObject({ command: 'frobnicate', message: 'Unknown command: frobnicate' });
        // The session's own reports go there too.
        player.sendTime();
        expect(control.messages.at(-1)!.type).toBe('on_time');
    });

    it('one per session; `stop` ends the session', () => {
        const { player } = relay();
        const control = new FakeChannel('MistControl');
        const second = new FakeChannel('MistControl');
        player.acceptDataChannel(control);
        player.acceptDataChannel(second);
        expect(second.readyState).toBe('closed');
        control.receive(JSON.stringify({ type: 'stop' }));
        expect(player.closed).toBe(true);
    });

    it('the publisher leaving ends a WHEP player with on_stop on its channel', () => {
        const { publisher, player } = relay();
        const control = new FakeChannel('MistControl');
        player.acceptDataChannel(control);
        publisher.close();
        expect(control.messages.at(-1)).toMatchObject({ type: 'on_stop' });
        expect(player.closed).toBe(true);
    });
});
