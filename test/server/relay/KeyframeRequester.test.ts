// Keyframe requests towards a publisher: about one per second per layer, whoever asks.
import { describe, expect, it } from 'vitest';
import {
    KeyframeRequester,
    PLI_INTERVAL_MS,
    URGENT_PLI_INTERVAL_MS,
} from '../../../demo/server/relay/KeyframeRequester.ts';

describe('KeyframeRequester', () => {
    it('sends at most one request per second per layer', () => {
        const sent: Array<[string, number]> = [];
        let now = 0;
        const k = new KeyframeRequester<string>((layer) => sent.push([layer, now]));
        // two layers, each asked every 100 ms for 3.05 s (players' PLIs, the server's own timer …)
        for (now = 0; now <= 3050; now += 50) k.request(now % 100 ? 'high' : 'low', now);
        expect(sent.filter(([l]) => l === 'low').map(([, t]) => t)).toEqual([0, 1000, 2000, 3000]);
        expect(sent.filter(([l]) => l === 'high').map(([, t]) => t)).toEqual([50, 1050, 2050, 3050]);
        expect(k.lastRequestAt('low')).toBe(3000);
        expect(k.lastRequestAt('other')).toBe(0);
        expect(PLI_INTERVAL_MS).toBe(1000);
    });

    it('lets urgent requests (nothing to show) through sooner, but not more than every 250 ms', () => {
        const sent: number[] = [];
        let now = 0;
        const k = new KeyframeRequester<string>(() => sent.push(now));
        for (now = 0; now <= 1000; now += 50) k.request('layer', now, true);
        expect(sent).toEqual([0, 250, 500, 750, 1000]);
        expect(URGENT_PLI_INTERVAL_MS).toBe(250);
        now = 1100;
        expect(k.request('layer', now)).toBe(false); // an ordinary request still waits its second
        now = 2000;
        expect(k.request('layer', now)).toBe(true);
    });
});
