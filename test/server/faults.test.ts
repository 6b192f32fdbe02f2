// The test-only fault switch: the loss hooks the relay calls, session faults, runtime commands.
import { describe, expect, it } from 'vitest';
import { FaultSwitch } from '../../demo/server/faults.ts';
import { LOSSLESS } from '../../demo/server/relay/hooks.ts';

/** A random source cycling through 0, 0.1 … 0.9: exactly 10 % of draws fall under each tenth. */
const tenths = () => {
    let i = 0;
    return () => (i++ % 10) / 10;
};

const count = (n: number, f: () => boolean) => Array.from({ length: n }, f).filter(Boolean).length;

describe('fault switch', () => {
    it('loses the configured share of packets per stream and direction, nothing elsewhere', () => {
        const faults = new FaultSwitch(() => 0, tenths());
        expect(faults.command({ stream: 'cam', loss: 30, ingestLoss: 20 })).toEqual({ loss: 30, ingestLoss: 20 });
        expect(count(100, () => faults.deliverToPlayer('cam'))).toBe(70);
        expect(count(100, () => faults.acceptFromPublisher('cam'))).toBe(80);
        expect(count(100, () => faults.deliverToPlayer('other'))).toBe(100);
        faults.command({ stream: 'cam', loss: 0 });
        expect(count(100, () => faults.deliverToPlayer('cam'))).toBe(100);
        expect(faults.command({ stream: 'cam', loss: 150 })).toEqual({ loss: 100 });
        expect(count(10, () => faults.deliverToPlayer('cam'))).toBe(0);
    });

    it('the relay’s default hooks lose nothing', () => {
        expect(LOSSLESS.deliverToPlayer('cam') && LOSSLESS.acceptFromPublisher('cam')).toBe(true);
        expect(LOSSLESS.linkUp('cam', 'play', 0)).toBe(true);
    });

    it('cuts the paths of a stream’s sessions of a role for a while; an ICE session started later gets through', () => {
        let now = 1000;
        const faults = new FaultSwitch(
            () => 0,
            Math.random,
            () => now,
        );
        expect(faults.command({ stream: 'cam', role: 'play', linkDown: 5000 })).toEqual({ linkDown: 5000 });
        // the play sessions' current paths (ICE sessions started before the cut) are down …
        expect(faults.linkUp('cam', 'play', 500)).toBe(false);
        expect(faults.linkUp('cam', 'play', 1000)).toBe(false);
        // … not the publisher's, nor another stream's
        expect(faults.linkUp('cam', 'publish', 500)).toBe(true);
        expect(faults.linkUp('other', 'play', 500)).toBe(true);
        // an ICE restart (or a new session) after the cut takes a path that works
        now = 3000;
        expect(faults.linkUp('cam', 'play', 2000)).toBe(true);
        expect(faults.linkUp('cam', 'play', 500)).toBe(false);
        // the cut ends after its time
        now = 6000;
        expect(faults.linkUp('cam', 'play', 500)).toBe(true);
        // without a role, both; 0 ends it at once
        faults.command({ stream: 'cam', linkDown: 1000 });
        expect([faults.linkUp('cam', 'play', 500), faults.linkUp('cam', 'publish', 500)]).toEqual([false, false]);
        expect(faults.command({ stream: 'cam', linkDown: 0 })).toEqual({ linkDown: 0 });
        expect([faults.linkUp('cam', 'play', 500), faults.linkUp('cam', 'publish', 500)]).toEqual([true, true]);
    });

    it('reads a session’s faults from its query; fault_loss applies to the whole stream', () => {
        const faults = new FaultSwitch(() => 0, tenths());
        const q = new URLSearchParams(
            'fault_drop_socket_after=100&fault_loss=50&fault_answer_delay=x&fault_refuse=true&fault_malformed=0',
        );
        expect(faults.forSession('cam', q)).toEqual({
            dropSocketAfter: 100,
            loss: 50,
            answerDelay: undefined,
            refuse: true,
            malformed: false,
        });
        expect(count(10, () => faults.deliverToPlayer('cam'))).toBe(5);
        const media = faults.forSession('cam', new URLSearchParams('fault_reject=video&fault_withhold=audio'));
        expect(media).toMatchObject({ reject: 'video', withhold: 'audio' });
        const unknown = faults.forSession('cam', new URLSearchParams('fault_reject=text&fault_withhold=1'));
        expect(unknown).toMatchObject({ reject: undefined, withhold: undefined });
    });

    it('drops sockets through the signaling layer', () => {
        const dropped: string[] = [];
        const faults = new FaultSwitch((stream) => (dropped.push(stream), 3));
        expect(faults.command({ dropSockets: 'cam' })).toEqual({ dropped: 3 });
        expect(dropped).toEqual(['cam']);
        expect(faults.command({})).toEqual({});
    });
});
