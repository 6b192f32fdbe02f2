import { describe, expect, it } from 'vitest';
import { RtcError } from '../../src/core/RtcError';
import { DefaultAdaptiveBitrate, type AbrSample } from '../../src/policy/AdaptiveBitrate';
import {
    ABR_AVAILABLE_CAP,
    ABR_CLEAN,
    ABR_CPU,
    ABR_LAN,
    ABR_LOSS_BURST,
    ABR_MODERATE,
    ABR_RTT_RISE,
    LOSS_END,
    LOSS_START,
    RTT_SECOND,
} from '../fixtures/abr-sequences';

const BOUNDS = { minBitrate: 150_000, maxBitrate: 2_500_000 };

/** Feeds every sample, returning the target after each. */
function run(abr: DefaultAdaptiveBitrate, samples: AbrSample[]): number[] {
    return samples.map((s) => abr.update(s));
}

describe('AdaptiveBitrate on recorded sequences', () => {
    it('clean network: ramps from the start to the maximum within a bounded time, never down', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 500_000 });
        const targets = run(abr, ABR_CLEAN);
        // No growth during the first 3 clean seconds.
        expect(targets.slice(0, 3)).toEqual([500_000, 500_000, 500_000]);
        expect(targets[4]).toBeGreaterThan(500_000);
        // 5× at 8%/s is ~21 s, plus the 3 s wait.
        const reached = targets.indexOf(2_500_000);
        expect(reached).toBeGreaterThan(15);
        expect(reached).toBeLessThanOrEqual(26);
        expect(targets.slice(reached)).toEqual(targets.slice(reached).map(() => 2_500_000));
        for (let i = 1; i < targets.length; i++) {
            expect(targets[i]).toBeGreaterThanOrEqual(targets[i - 1]!);
            const dt = (ABR_CLEAN[i]!.now - ABR_CLEAN[i - 1]!.now) / 1000;
            expect(targets[i]! / targets[i - 1]!).toBeLessThanOrEqual(Math.pow(1.08, dt) + 1e-6);
        }
    });

    it('20% loss: below half the pre-loss target within 7 samples, cut from the first sample', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 2_500_000 });
        const targets = run(abr, ABR_LOSS_BURST);
        const before = targets[LOSS_START - 1]!;
        expect(before).toBe(2_500_000);
        expect(targets[LOSS_START]!).toBeLessThanOrEqual(before * 0.91);
        const half = targets.findIndex((t, i) => i >= LOSS_START && t < before / 2);
        expect(half - LOSS_START + 1).toBeLessThanOrEqual(7);
        // Still cutting while the loss lasts: 15 s at ~20% leave about a fifth (0.9^15 ≈ 0.21).
        for (let i = LOSS_START + 1; i < LOSS_END; i++) expect(targets[i]!).toBeLessThan(targets[i - 1]!);
        expect(targets[LOSS_END - 1]!).toBeLessThan(before * 0.25);
        expect(targets[LOSS_END - 1]!).toBeGreaterThan(before * 0.15);
    });

    it('recovers after the loss: waits 3 clean seconds, then grows back to the maximum', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 2_500_000 });
        const targets = run(abr, ABR_LOSS_BURST);
        const floor = targets[LOSS_END - 1]!;
        expect(targets.slice(LOSS_END, LOSS_END + 3)).toEqual([floor, floor, floor]);
        expect(targets[LOSS_END + 4]!).toBeGreaterThan(floor);
        const back = targets.findIndex((t, i) => i >= LOSS_END && t === 2_500_000);
        expect(back).toBeGreaterThan(LOSS_END);
        // ln(2.5M / ~0.5M) / ln(1.08) ≈ 21 s, plus the 3 s wait.
        expect(back - LOSS_END).toBeGreaterThanOrEqual(20);
        expect(back - LOSS_END).toBeLessThanOrEqual(28);
    });

    it('moderate loss (2–10%): holds the target exactly', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 1_200_000 });
        expect(new Set(run(abr, ABR_MODERATE))).toEqual(new Set([1_200_000]));
    });

    it('cpu limitation: holds while the encoder lacks CPU, grows once it does not', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 800_000 });
        const targets = run(abr, ABR_CPU);
        expect(new Set(targets.slice(0, 20))).toEqual(new Set([800_000]));
        expect(targets[21]!).toBeGreaterThan(800_000); // the clean streak already lasts 20 s
    });

    it('cpu limitation does not prevent cutting on loss', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 800_000 });
        expect(abr.update({ now: 0, lossPercent: 30, qualityLimitationReason: 'cpu', source: 'sender' })).toBe(680_000);
    });

    it('RTT rising over 1.5× its minimum for 2 samples: × 0.85, and no growth meanwhile', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 1_000_000 });
        const targets = run(abr, ABR_RTT_RISE);
        const before = targets[RTT_SECOND - 2]!;
        expect(targets[RTT_SECOND - 1]).toBe(before); // first high sample: hold
        expect(targets[RTT_SECOND]).toBe(Math.round(before * 0.85));
        const peak = Math.max(...targets.slice(RTT_SECOND, RTT_SECOND + 4));
        expect(peak).toBeLessThanOrEqual(targets[RTT_SECOND]!);
        expect(targets[targets.length - 1]!).toBeGreaterThan(targets[RTT_SECOND + 4]!); // grows again once drained
    });

    it('a LAN whose RTT doubles from 1 to 2 ms is not congested', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 1_000_000 });
        const targets = run(abr, ABR_LAN);
        expect(targets[targets.length - 1]).toBe(2_500_000);
        for (let i = 1; i < targets.length; i++) expect(targets[i]!).toBeGreaterThanOrEqual(targets[i - 1]!);
    });

    it('growth stops at the browser estimate × 1.1, which never lowers the target by itself', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 500_000 });
        const targets = run(abr, ABR_AVAILABLE_CAP);
        expect(Math.max(...targets)).toBe(1_320_000);
        expect(targets[targets.length - 1]).toBe(1_320_000);

        const high = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 2_000_000 });
        expect(new Set(run(high, ABR_AVAILABLE_CAP))).toEqual(new Set([2_000_000]));
    });

    it('a sender sample right after a server sample does not count the loss twice', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 1_000_000 });
        expect(abr.update({ now: 0, lossPercent: 0, source: 'server' })).toBe(1_000_000);
        expect(abr.update({ now: 1000, lossPercent: 20, source: 'sender' })).toBe(1_000_000);
        expect(abr.update({ now: 2000, lossPercent: 20, source: 'sender' })).toBe(900_000); // server report stale
        expect(abr.update({ now: 2500, lossPercent: 20, source: 'server' })).toBe(810_000);
    });

    it('a long pause between samples does not jump to the maximum', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 500_000 });
        for (let t = 0; t <= 3000; t += 1000) abr.update({ now: t, lossPercent: 0, source: 'sender' });
        const before = abr.target;
        const after = abr.update({ now: 3000 + 120_000, lossPercent: 0, source: 'sender' });
        expect(after).toBeLessThanOrEqual(Math.round(before * 1.08 ** 2) + 1);
    });
});

describe('AdaptiveBitrate bounds and constraint', () => {
    it('starts at 1 Mb/s by default, clamped to the bounds', () => {
        expect(new DefaultAdaptiveBitrate(BOUNDS).target).toBe(1_000_000);
        expect(new DefaultAdaptiveBitrate({ minBitrate: 100_000, maxBitrate: 600_000 }).target).toBe(600_000);
        expect(new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 10 }).target).toBe(150_000);
    });

    it('rejects invalid bounds', () => {
        for (const bad of [
            { minBitrate: 0, maxBitrate: 1 },
            { minBitrate: 2, maxBitrate: 1 },
            { minBitrate: NaN, maxBitrate: 1 },
            { minBitrate: 1, maxBitrate: Infinity },
        ]) {
            expect(() => new DefaultAdaptiveBitrate(bad)).toThrow(RtcError);
            try {
                new DefaultAdaptiveBitrate(bad);
            } catch (error) {
                expect((error as RtcError).code).toBe('INVALID_ARGUMENT');
            }
        }
    });

    it('never exceeds the server constraint, applies it at once, grows back once it is lifted', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 2_000_000 });
        abr.setConstraint(800_000);
        expect(abr.target).toBe(800_000);
        expect(abr.constraint).toBe(800_000);
        expect(Math.max(...run(abr, ABR_CLEAN))).toBe(800_000);
        abr.setConstraint(undefined);
        expect(abr.target).toBe(800_000); // no jump
        const later = ABR_CLEAN.map((s) => ({ ...s, now: s.now + 100_000 }));
        expect(run(abr, later).pop()).toBe(2_500_000);
    });

    it('a constraint below the minimum wins; 0 removes the constraint', () => {
        const abr = new DefaultAdaptiveBitrate(BOUNDS);
        abr.setConstraint(100_000);
        expect(abr.target).toBe(100_000);
        expect(abr.update({ now: 0, lossPercent: 50, source: 'server' })).toBe(100_000);
        abr.setConstraint(0);
        expect(abr.constraint).toBeUndefined();
        abr.setConstraint(123_456.7);
        expect(abr.target).toBe(123_456);
    });

    it('reset(): start target, no history, no constraint', () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 700_000 });
        run(abr, ABR_LOSS_BURST.slice(0, LOSS_START + 5));
        abr.setConstraint(300_000);
        abr.reset();
        expect(abr.target).toBe(700_000);
        expect(abr.constraint).toBeUndefined();
        // The clean streak was forgotten: the first 3 s after reset do not grow.
        const targets = run(abr, ABR_CLEAN.slice(0, 4));
        expect(targets.slice(0, 3)).toEqual([700_000, 700_000, 700_000]);
    });

    it('stays within the bounds on random sequences (seeded property test)', () => {
        let seed = 20_240_601;
        const random = () => {
            seed = (seed + 0x6d2b79f5) >>> 0;
            let t = seed;
            t = Math.imul(t ^ (t >>> 15), t | 1);
            t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
            return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
        const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
        let checked = 0;
        for (let run = 0; run < 200; run++) {
            const minBitrate = 50_000 + Math.floor(random() * 500_000);
            const maxBitrate = minBitrate + Math.floor(random() * 5_000_000);
            const abr = new DefaultAdaptiveBitrate({ minBitrate, maxBitrate, startBitrate: random() * 8_000_000 });
            let now = random() * 1e6;
            for (let i = 0; i < 120; i++) {
                if (random() < 0.05) abr.setConstraint(random() < 0.3 ? undefined : random() * 4_000_000);
                now += pick([0, 10, 500, 1000, 1000, 1000, 3000, 60_000]);
                const target = abr.update({
                    now,
                    lossPercent: pick([0, 0, 0.5, 1.9, 5, 12, 30, 100, NaN, -3, 250]),
                    rttMs: pick([undefined, 1, 40, 45, 120, 900, NaN, 0]),
                    qualityLimitationReason: pick([undefined, 'none', 'cpu', 'bandwidth']),
                    availableOutgoingBitrate: pick([undefined, 0, 300_000, 2_000_000, 1e9, NaN]),
                    source: pick(['server', 'sender'] as const),
                });
                const upper = Math.floor(Math.min(maxBitrate, abr.constraint ?? Infinity));
                const lower = Math.min(Math.ceil(minBitrate), upper);
                if (!Number.isInteger(target) || target !== abr.target || target < lower || target > upper) {
                    throw new Error(`run ${run} sample ${i}: ${target} outside [${lower}, ${upper}]`);
                }
                checked++;
            }
        }
        expect(checked).toBe(200 * 120);
    });
});

describe('AdaptiveBitrate: the reasons of its moves', () => {
    it("cuts on loss with 'loss', grows with 'growth', drops under the server's ceiling with 'constraint'", () => {
        const abr = new DefaultAdaptiveBitrate({ ...BOUNDS, startBitrate: 1_000_000 });
        abr.update({ now: 0, lossPercent: 30, source: 'server' });
        expect(abr.reason).toBe('loss');
        for (let t = 1000; t <= 8000; t += 1000) abr.update({ now: t, lossPercent: 0, source: 'server' });
        expect(abr.reason).toBe('growth');
        abr.setConstraint(300_000);
        expect(abr.target).toBe(300_000);
        expect(abr.reason).toBe('constraint');
        abr.reset();
        expect(abr.reason).toBeUndefined();
    });
});
