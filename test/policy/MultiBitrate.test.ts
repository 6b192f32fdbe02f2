import { describe, expect, it } from 'vitest';
import {
    DefaultMultiBitrate,
    MultiBitrate,
    sortRenditions,
    type MbrSample,
    type Rendition,
    type RenditionSelector,
} from '../../src/policy/MultiBitrate';
import {
    BANDWIDTH_DROP,
    BURST_END,
    BURST_START,
    bottleneck,
    FREEZE_RESET,
    JB_TRIGGER,
    JITTER_BUFFER_FLAT,
    JITTER_BUFFER_GROWTH,
    LADDER,
    LADDER_NO_BITRATE,
    LADDER_NO_BITRATE_ORDER,
    LADDER_ORDER,
    LOSS_BURST,
    MODERATE_LOSS,
    MODERATE_SECOND,
    recorded,
    STEADY_CLEAN,
} from '../fixtures/mbr-sequences';

interface Switch {
    index: number;
    now: number;
    from: number | undefined;
    to: number | undefined;
}

/** Feeds `samples` in order, applying every decision as the Player does. */
function play(selector: RenditionSelector, samples: MbrSample[], renditions: Rendition[], start: number | undefined) {
    let current = start;
    const switches: Switch[] = [];
    const tracks: (number | undefined)[] = [];
    samples.forEach((sample, index) => {
        const next = selector.decide(sample, renditions, current);
        if (next !== current) switches.push({ index, now: sample.now, from: current, to: next });
        current = next;
        tracks.push(next);
    });
    return { switches, tracks, current };
}

/** Closed loop: the samples depend on the rendition played (a bottleneck link). */
function simulate(mbr: RenditionSelector, seconds: number, link: ReturnType<typeof bottleneck>, start: number) {
    let current: number | undefined = start;
    const switches: Switch[] = [];
    let overloadedSeconds = 0;
    for (let i = 0; i < seconds; i++) {
        const rendition = LADDER.find((r) => r.track === current)!;
        const sample = link(i * 1000, rendition.bitrate!, 0);
        if (sample.lossPercent > 1) overloadedSeconds++;
        const next = mbr.decide(sample, LADDER, current);
        if (next !== current) switches.push({ index: i, now: sample.now, from: current, to: next });
        current = next;
    }
    return { switches, overloadedSeconds, current };
}

const rank = (track: number | undefined) => LADDER_ORDER.indexOf(track as number);

describe('sortRenditions', () => {
    it('orders by bitrate when every bitrate is known', () => {
        expect(sortRenditions(LADDER).map((r) => r.track)).toEqual(LADDER_ORDER);
    });

    it('orders by resolution when a bitrate is unknown', () => {
        expect(sortRenditions(LADDER_NO_BITRATE).map((r) => r.track)).toEqual(LADDER_NO_BITRATE_ORDER);
        const mixed = [
            { track: 1, bitrate: 9_000_000, width: 640, height: 360 },
            { track: 2, width: 1920, height: 1080 },
        ];
        expect(sortRenditions(mixed).map((r) => r.track)).toEqual([1, 2]);
    });

    it('drops duplicate tracks and does not modify its input', () => {
        const input = [
            { track: 1, bitrate: 2 },
            { track: 0, bitrate: 1 },
            { track: 1, bitrate: 5 },
        ];
        expect(sortRenditions(input)).toEqual([
            { track: 0, bitrate: 1 },
            { track: 1, bitrate: 2 },
        ]);
        expect(input.map((r) => r.track)).toEqual([1, 0, 1]);
    });
});

describe('MultiBitrate on recorded sequences', () => {
    it('steady clean: climbs one step at a time, at least 10 s apart, to the top', () => {
        const { switches, current } = play(new DefaultMultiBitrate(), STEADY_CLEAN, LADDER, 2);
        expect(switches.map((s) => s.to)).toEqual([1, 4, 3]);
        expect(current).toBe(3);
        expect(switches[0]!.now - STEADY_CLEAN[0]!.now).toBeGreaterThanOrEqual(10_000);
        for (let i = 1; i < switches.length; i++) {
            expect(switches[i]!.now - switches[i - 1]!.now).toBeGreaterThanOrEqual(10_000);
            expect(rank(switches[i]!.to) - rank(switches[i]!.from)).toBe(1);
        }
    });

    it('steady clean at the top: never switches', () => {
        expect(play(new DefaultMultiBitrate(), STEADY_CLEAN, LADDER, 3).switches).toEqual([]);
    });

    it('20% loss burst: steps down within 1–2 samples, keeps stepping down, and not up during the burst', () => {
        const { switches } = play(new DefaultMultiBitrate(), LOSS_BURST, LADDER, 3);
        const first = switches[0]!;
        expect(first.index).toBeGreaterThanOrEqual(BURST_START);
        expect(first.index).toBeLessThanOrEqual(BURST_START + 1);
        expect(rank(first.to)).toBeLessThan(rank(3));
        const during = switches.filter((s) => s.index <= BURST_END);
        expect(during.length).toBeGreaterThanOrEqual(2);
        for (const s of during) expect(rank(s.to)).toBeLessThan(rank(s.from));
    });

    it('after the burst: goes back up only after the clean hold, step by step, to the top', () => {
        const { switches, current } = play(new DefaultMultiBitrate(), LOSS_BURST, LADDER, 3);
        const ups = switches.filter((s) => rank(s.to) > rank(s.from));
        expect(ups.length).toBeGreaterThanOrEqual(2);
        const lastLossy = LOSS_BURST[BURST_END]!.now;
        expect(ups[0]!.now - lastLossy).toBeGreaterThanOrEqual(10_000);
        for (let i = 1; i < ups.length; i++) expect(ups[i]!.now - ups[i - 1]!.now).toBeGreaterThanOrEqual(10_000);
        expect(current).toBe(3);
    });

    it('moderate loss: ignores a single 8% spike, steps down on the second consecutive sample above 5%', () => {
        const { switches } = play(new DefaultMultiBitrate(), MODERATE_LOSS, LADDER, 4);
        expect(switches).toHaveLength(1);
        expect(switches[0]).toMatchObject({ index: MODERATE_SECOND, from: 4, to: 1 });
    });

    it('a jitter buffer growing steadily for 3 s above 400 ms steps down', () => {
        const { switches } = play(new DefaultMultiBitrate(), JITTER_BUFFER_GROWTH, LADDER, 4);
        expect(switches[0]).toMatchObject({ index: JB_TRIGGER, from: 4, to: 1 });
        // The same growth over 2 s only is not enough.
        const short = play(new DefaultMultiBitrate(), JITTER_BUFFER_GROWTH.slice(5, JB_TRIGGER + 1), LADDER, 4);
        expect(short.switches).toEqual([]);
    });

    it('a large but stable jitter buffer neither steps down nor up', () => {
        expect(play(new DefaultMultiBitrate(), JITTER_BUFFER_FLAT, LADDER, 4).switches).toEqual([]);
    });

    it('available bandwidth collapsing goes straight to the rendition that fits', () => {
        const { switches } = play(new DefaultMultiBitrate(), BANDWIDTH_DROP, LADDER, 3);
        expect(switches).toEqual([expect.objectContaining({ index: 5, from: 3, to: 1 })]);
    });

    it('a new freeze steps down; a counter reset (new session) is not a freeze', () => {
        const { switches } = play(new DefaultMultiBitrate(), FREEZE_RESET, LADDER, 4);
        expect(switches).toEqual([expect.objectContaining({ index: FREEZE_RESET.length - 1, from: 4, to: 1 })]);
    });

    it('a sample without a freeze count (a browser that does not count them) sees no freeze', () => {
        const noCount = FREEZE_RESET.map(({ freezeCount: _, ...sample }) => sample);
        expect(play(new DefaultMultiBitrate(), noCount, LADDER, 4).switches).toEqual([]);
    });

    it('does not step up without headroom when the browser estimates the bandwidth', () => {
        // 10 s+ clean at 1.5 Mb/s, but 3 Mb/s needs 3.6 Mb/s available.
        const samples = recorded(
            Array.from(
                { length: 40 },
                () => [0, 0, 80, 1_500_000, 3_500_000] as [number, number, number, number, number],
            ),
        );
        expect(play(new DefaultMultiBitrate(), samples, LADDER, 4).switches).toEqual([]);
        const roomy = recorded(
            Array.from(
                { length: 40 },
                () => [0, 0, 80, 1_500_000, 3_700_000] as [number, number, number, number, number],
            ),
        );
        expect(play(new DefaultMultiBitrate(), roomy, LADDER, 4).switches.map((s) => s.to)).toEqual([3]);
    });

    it('a high NACK rate is not clean: no step up', () => {
        const samples = recorded(
            Array.from(
                { length: 40 },
                () => [0.2, 0, 80, 1_500_000, undefined, 60] as [number, number, number, number, undefined, number],
            ),
        );
        expect(play(new DefaultMultiBitrate(), samples, LADDER, 4).switches).toEqual([]);
    });

    it('nothing received is not clean: no step up on a stalled stream', () => {
        const samples = recorded(Array.from({ length: 40 }, () => [0, 0, 80, 0] as [number, number, number, number]));
        expect(play(new DefaultMultiBitrate(), samples, LADDER, 4).switches).toEqual([]);
    });
});

describe('MultiBitrate: the reasons of its decisions', () => {
    /** The reason after each sample that changed the rendition. */
    function reasons(samples: MbrSample[], start: number | undefined): (string | undefined)[] {
        const mbr = new DefaultMultiBitrate();
        const out: (string | undefined)[] = [];
        let current = start;
        for (const sample of samples) {
            const next = mbr.decide(sample, LADDER, current);
            if (next !== current) out.push(mbr.reason);
            current = next;
        }
        return out;
    }

    it("steps down on a loss burst with 'burst-loss', up after clean seconds with 'clean', first pick 'initial'", () => {
        const during = reasons(LOSS_BURST, 3);
        expect(during[0]).toBe('burst-loss');
        expect(during).toContain('clean');
        expect(reasons(STEADY_CLEAN.slice(0, 1), undefined)).toEqual(['initial']);
    });

    it('a custom MultiBitrate is a RenditionSelector whose reason the Player reads', () => {
        class Lightest extends MultiBitrate {
            decide(_sample: MbrSample, renditions: readonly Rendition[]): number | undefined {
                this.reason = 'thumbnail';
                return sortRenditions(renditions)[0]?.track;
            }
        }
        const mbr: RenditionSelector = new Lightest();
        expect(mbr.decide(STEADY_CLEAN[0]!, LADDER, 3)).toBe(sortRenditions(LADDER)[0]!.track);
        expect(mbr.reason).toBe('thumbnail');
        mbr.reset();
        expect(mbr.reason).toBeUndefined();
    });
});

describe('MultiBitrate against oscillation (closed loop)', () => {
    it('bandwidth just below the next rendition: switch count bounded by the growing hold', () => {
        const mbr = new DefaultMultiBitrate();
        const run = simulate(mbr, 600, bottleneck(2_000_000), 4);
        // Each failed up-switch doubles the hold: 10, 20, 40, 60, 60 … s.
        expect(run.switches.length).toBeLessThanOrEqual(24);
        expect(run.overloadedSeconds).toBeLessThan(60);
        expect(mbr.holdMs).toBe(60_000);
        for (const s of run.switches) expect(Math.abs(rank(s.to) - rank(s.from))).toBe(1);
        // Gaps between up-switches grow.
        const ups = run.switches.filter((s) => rank(s.to) > rank(s.from));
        expect(ups[2]!.now - ups[1]!.now).toBeGreaterThan(ups[1]!.now - ups[0]!.now);

        // The back-off is what bounds it: without growth the same link flaps far more.
        const flat = simulate(new DefaultMultiBitrate({ maxHoldMs: 10_000 }), 600, bottleneck(2_000_000), 4);
        expect(flat.switches.length).toBeGreaterThan(2 * run.switches.length);
    });

    it('with a bandwidth estimate: climbs to what fits and never tries what does not', () => {
        const run = simulate(new DefaultMultiBitrate(), 300, bottleneck(2_000_000, true), 2);
        expect(run.switches.map((s) => s.to)).toEqual([1, 4]);
        expect(run.overloadedSeconds).toBe(0);
    });

    it('a step up that holds restores the base hold', () => {
        const mbr = new DefaultMultiBitrate();
        simulate(mbr, 20, bottleneck(2_000_000), 4); // first up-switch fails
        expect(mbr.holdMs).toBe(20_000);
        // The link improves: the next step up holds for 15 s.
        let current: number | undefined = 4;
        const link = bottleneck(5_000_000);
        for (let i = 20; i < 80; i++) {
            current = mbr.decide(link(i * 1000, LADDER.find((r) => r.track === current)!.bitrate!, 0), LADDER, current);
        }
        expect(current).toBe(3);
        expect(mbr.holdMs).toBe(10_000);
    });
});

describe('MultiBitrate edge cases', () => {
    const lossy: MbrSample = {
        now: 0,
        lossPercent: 30,
        freezeCount: 9,
        jitterBufferMs: 900,
        receivedBitrate: 100_000,
        availableBitrate: 50_000,
    };

    it('single rendition: always that one', () => {
        const mbr = new DefaultMultiBitrate();
        const only = [{ track: 7, bitrate: 2_000_000 }];
        expect(mbr.decide(lossy, only, 7)).toBe(7);
        expect(mbr.decide({ ...lossy, now: 5000, freezeCount: 10 }, only, 7)).toBe(7);
        expect(mbr.decide({ ...lossy, now: 6000 }, only, undefined)).toBe(7);
        expect(mbr.decide({ ...lossy, now: 7000 }, only, 99)).toBe(7);
    });

    it('no rendition: undefined', () => {
        expect(new DefaultMultiBitrate().decide(lossy, [], 3)).toBeUndefined();
    });

    it('unknown bitrates: steps by resolution, down on loss and back up after the hold', () => {
        const { switches, current } = play(new DefaultMultiBitrate(), LOSS_BURST, LADDER_NO_BITRATE, 7);
        expect(switches.slice(0, 2).map((s) => s.to)).toEqual([5, 6]);
        expect(switches[0]!.index).toBeLessThanOrEqual(BURST_START + 1);
        expect(current).toBe(7);
    });

    it('without a current track: picks what the bandwidth fits, else the heaviest', () => {
        const sample: MbrSample = { now: 0, lossPercent: 0, freezeCount: 0, receivedBitrate: 0 };
        expect(new DefaultMultiBitrate().decide({ ...sample, availableBitrate: 2_000_000 }, LADDER, undefined)).toBe(4);
        expect(new DefaultMultiBitrate().decide({ ...sample, availableBitrate: 100_000 }, LADDER, undefined)).toBe(2);
        expect(new DefaultMultiBitrate().decide(sample, LADDER, undefined)).toBe(3);
        expect(new DefaultMultiBitrate().decide(sample, LADDER, 42)).toBe(3); // a track that is not in the list
    });

    it('never returns a track outside the list (seeded fuzz)', () => {
        let seed = 7;
        const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
        const mbr = new DefaultMultiBitrate();
        let current: number | undefined;
        let freezes = 0;
        for (let i = 0; i < 3000; i++) {
            const count = Math.floor(random() * 5);
            const renditions = Array.from({ length: count }, (_, k) => ({
                track: Math.floor(random() * 8),
                bitrate: random() < 0.3 ? undefined : Math.floor(random() * 4_000_000),
                width: 160 * (k + 1),
                height: 90 * (k + 1),
            }));
            if (random() < 0.05) freezes = random() < 0.5 ? 0 : freezes + 1;
            const sample: MbrSample = {
                now: i * 1000,
                lossPercent: random() < 0.2 ? random() * 40 : random(),
                freezeCount: freezes,
                jitterBufferMs: random() < 0.1 ? undefined : random() * 800,
                receivedBitrate: random() * 3_000_000,
                availableBitrate: random() < 0.5 ? undefined : random() * 5_000_000,
            };
            const next = mbr.decide(sample, renditions, random() < 0.1 ? 99 : current);
            if (renditions.length === 0) expect(next).toBeUndefined();
            else expect(renditions.map((r) => r.track)).toContain(next);
            current = next;
        }
    });

    it('reset() forgets the history', () => {
        const at = (now: number, lossPercent: number): MbrSample => ({
            now,
            lossPercent,
            freezeCount: 0,
            receivedBitrate: 1_400_000,
        });
        const control = new DefaultMultiBitrate();
        control.decide(at(0, 7), LADDER, 4);
        expect(control.decide(at(1000, 7), LADDER, 4)).toBe(1); // two in a row: down

        const mbr = new DefaultMultiBitrate();
        mbr.decide(at(0, 7), LADDER, 4);
        mbr.reset();
        expect(mbr.decide(at(1000, 7), LADDER, 4)).toBe(4); // the streak was forgotten

        const grown = new DefaultMultiBitrate();
        simulate(grown, 40, bottleneck(2_000_000), 4);
        expect(grown.holdMs).toBeGreaterThan(10_000);
        grown.reset();
        expect(grown.holdMs).toBe(10_000);
    });

    it('a track changed by someone else is measured from scratch (settle after the change)', () => {
        const mbr = new DefaultMultiBitrate();
        const at = (now: number, lossPercent: number): MbrSample => ({
            now,
            lossPercent,
            freezeCount: 0,
            receivedBitrate: 1_400_000,
        });
        expect(mbr.decide(at(0, 0), LADDER, 4)).toBe(4);
        // The app pinned track 3 then released it: the loss right after is the switch's, ignored.
        expect(mbr.decide(at(1000, 20), LADDER, 3)).toBe(3);
        expect(mbr.decide(at(3000, 20), LADDER, 3)).toBe(4);
    });

    it('ignores invalid options', () => {
        const mbr = new DefaultMultiBitrate({ holdMs: NaN, lossPercent: -1 });
        expect(mbr.holdMs).toBe(10_000);
        const { switches } = play(mbr, MODERATE_LOSS, LADDER, 4);
        expect(switches.map((s) => s.index)).toEqual([MODERATE_SECOND]);
    });
});
