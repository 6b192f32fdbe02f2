// RTCP feedback the relay sends publishers, checked by werift's own parser (what a peer reads).
import {
    PictureLossIndication,
    ReceiverEstimatedMaxBitrate,
    RtcpPacketConverter,
    RtcpPayloadSpecificFeedback,
} from 'werift';
import { describe, expect, it } from 'vitest';
import { buildPli, buildRemb } from '../../../demo/server/rtp/feedback.ts';

const reparse = (p: RtcpPayloadSpecificFeedback) => {
    const [out] = RtcpPacketConverter.deSerialize(p.serialize());
    expect(out).toBeInstanceOf(RtcpPayloadSpecificFeedback);
    return (out as RtcpPayloadSpecificFeedback).feedback;
};

describe('RTCP feedback', () => {
    it('PLI names the layer by its SSRC', () => {
        const fb = reparse(buildPli(0xdeadbeef));
        expect(fb).toBeInstanceOf(PictureLossIndication);
        expect((fb as PictureLossIndication).mediaSsrc).toBe(0xdeadbeef);
    });

    it('REMB carries the bitrate (18-bit mantissa, exponent) and every layer SSRC', () => {
        for (const [bitrate, exact] of [
            [300_000, true], // fits the mantissa after one halving: 150000 << 1
            [8_000_000, true],
            [123_456_789, false], // rounded down by the halvings, within 2^-17
            [1, true],
        ] as const) {
            const fb = reparse(buildRemb(bitrate, [11, 22, 33])) as ReceiverEstimatedMaxBitrate;
            expect(fb).toBeInstanceOf(ReceiverEstimatedMaxBitrate);
            expect(fb.brMantissa).toBeLessThanOrEqual(0x3ffff);
            const read = Number(fb.bitrate);
            if (exact) expect(read).toBe(bitrate);
            else expect(Math.abs(read - bitrate) / bitrate).toBeLessThan(1 / 2 ** 17);
            expect(fb.ssrcFeedbacks).toEqual([11, 22, 33]);
        }
    });
});
