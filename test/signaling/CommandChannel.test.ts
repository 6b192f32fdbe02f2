import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RtcError } from '../../src/core/RtcError';
import { CommandChannel } from '../../src/signaling/CommandChannel';

const infos = (current: number) => ({ begin: 0, current, end: current, tracks: [0, 1] });

/** What the transport was given, decoded. */
function transport() {
    const written: Record<string, unknown>[] = [];
    return { written, write: (text: string) => void written.push(JSON.parse(text) as Record<string, unknown>) };
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('CommandChannel', () => {
    it('holds commands until a transport is attached, then writes them in order', () => {
        const channel = new CommandChannel(5000);
        const { written, write } = transport();
        void channel.command({ type: 'tracks', video: '1' }, 'on_time');
        void channel.command({ type: 'hold' }, 'pause');
        expect(written).toEqual([]);
        channel.attach(write);
        expect(written.map((m) => m.type)).toEqual(['tracks', 'hold']);
    });

    it('a `first` command goes ahead of the queued ones (the offer)', () => {
        const channel = new CommandChannel(5000);
        const { written, write } = transport();
        void channel.command({ type: 'tracks', video: '1' }, 'on_time');
        void channel.command({ type: 'offer_sdp', offer_sdp: 'v=0' }, 'on_answer_sdp', { first: true });
        channel.attach(write);
        expect(written.map((m) => m.type)).toEqual(['offer_sdp', 'tracks']);
    });

    it('replies settle the oldest written command of their type, FIFO', async () => {
        const channel = new CommandChannel(5000);
        channel.attach(transport().write);
        const first = channel.command({ type: 'tracks', video: '1' }, 'on_time');
        const second = channel.command({ type: 'tracks', video: '2' }, 'on_time');
        expect(channel.reply('on_time', infos(1))).toBe(true);
        expect(channel.reply('on_time', infos(2))).toBe(true);
        expect(channel.reply('on_time', infos(3))).toBe(false);
        await expect(first).resolves.toMatchObject({ current: 1 });
        await expect(second).resolves.toMatchObject({ current: 2 });
    });

    it('a reply before its command is written does not settle it', async () => {
        const channel = new CommandChannel(5000);
        const pending = channel.command({ type: 'seek', seek_time: 10 }, 'seek');
        expect(channel.reply('seek', { livePoint: true })).toBe(false);
        channel.attach(transport().write);
        channel.reply('seek', { livePoint: false });
        await expect(pending).resolves.toEqual({ livePoint: false });
    });

    it('a command without a reply type resolves once written', async () => {
        const channel = new CommandChannel(5000);
        const played = vi.fn();
        void channel.command({ type: 'play' }).then(played);
        await vi.advanceTimersByTimeAsync(0);
        expect(played).not.toHaveBeenCalled();
        channel.attach(transport().write);
        await vi.advanceTimersByTimeAsync(0);
        expect(played).toHaveBeenCalledOnce();
    });

    it('times out with TIMEOUT (per-command timeouts win), and a late reply finds nothing', async () => {
        const channel = new CommandChannel(100);
        channel.attach(transport().write);
        const timed = channel.command({ type: 'set_speed', play_rate: 2 }, 'set_speed').catch((e: RtcError) => e);
        const patient = channel.command({ type: 'seek', seek_time: 1 }, 'seek', { timeoutMs: Infinity });
        await vi.advanceTimersByTimeAsync(150);
        expect(await timed).toMatchObject({ code: 'TIMEOUT' });
        expect(channel.reply('set_speed', { playRate: 2 })).toBe(false);
        expect(channel.reply('seek', {})).toBe(true);
        await expect(patient).resolves.toEqual({});
        expect(vi.getTimerCount()).toBe(0);
    });

    it('refuse and refuseRequest reject the matching written command only', async () => {
        const channel = new CommandChannel(5000);
        channel.attach(transport().write);
        const seek = channel.command({ type: 'seek', seek_time: 1 }, 'seek').catch((e: RtcError) => e.message);
        const tracks = channel.command({ type: 'tracks', video: '9' }, 'on_time').catch((e: RtcError) => e.message);
        expect(channel.refuse('seek', new RtcError('REFUSED', 'seek failed'))).toBe(true);
        expect(channel.refuseRequest('hold', new RtcError('REFUSED', 'nope'))).toBe(false);
        expect(channel.refuseRequest('tracks', new RtcError('REFUSED', 'no track 9'))).toBe(true);
        expect(await seek).toBe('seek failed');
        expect(await tracks).toBe('no track 9');
    });

    it('close rejects what waits and every later command, clears its timers and stops writing', async () => {
        const channel = new CommandChannel(5000);
        const { written, write } = transport();
        const queued = channel.command({ type: 'hold' }, 'pause').catch((e: RtcError) => e.code);
        channel.close(new RtcError('NOT_SUPPORTED', 'no control channel'));
        channel.attach(write);
        const later = channel.command({ type: 'play' }).catch((e: RtcError) => e.code);
        expect(await queued).toBe('NOT_SUPPORTED');
        expect(await later).toBe('NOT_SUPPORTED');
        expect(written).toEqual([]);
        expect(channel.closed).toBe(true);
        expect(vi.getTimerCount()).toBe(0);
    });

    it('detaching holds the commands issued after it', () => {
        const channel = new CommandChannel(5000);
        const { written, write } = transport();
        channel.attach(write);
        channel.attach(undefined);
        void channel.command({ type: 'hold' }, 'pause');
        expect(written).toEqual([]);
        channel.attach(write);
        expect(written).toEqual([{ type: 'hold' }]);
    });

    it('a message that cannot be serialised throws INVALID_ARGUMENT synchronously', () => {
        const channel = new CommandChannel(5000);
        const cyclic: Record<string, unknown> = { type: 'custom' };
        cyclic.self = cyclic;
        expect(() => channel.command({ type: 'custom', self: cyclic })).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
    });
});
