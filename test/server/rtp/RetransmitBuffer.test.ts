// NACK answers: what werift's own 128-packet history cannot answer, the relay does.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetransmitBuffer, WERIFT_SENDER_HISTORY } from '../../../demo/server/rtp/RetransmitBuffer.ts';
import { rtp, vp8Payload } from '../helpers.ts';

const sendRun = (buf: RetransmitBuffer, from: number, count: number, at = 0) => {
    const sent = [];
    for (let i = 0; i < count; i++) {
        const p = rtp(from + i, 0, vp8Payload('delta'));
        buf.sent(p, at);
        sent.push(p);
    }
    return sent;
};

describe('RetransmitBuffer', () => {
    it('mirrors the history size of the werift release in use', () => {
        const require = createRequire(import.meta.url);
        const index = require.resolve('werift'); // …/lib/webrtc/src/index.js
        const sender = readFileSync(path.join(path.dirname(index), 'media', 'rtpSender.js'), 'utf8');
        expect(sender).toContain(`const RTP_HISTORY_SIZE = ${WERIFT_SENDER_HISTORY};`);
        expect(sender).toContain('this.rtpCache[header.sequenceNumber % RTP_HISTORY_SIZE] = rtp;');
    });

    it('leaves the last 128 packets to werift and answers older ones (a GOP burst’s keyframe)', () => {
        const buf = new RetransmitBuffer();
        const sent = sendRun(buf, 65000, 600); // a GOP replay: 600 packets at once, wrapping at 65536
        const keyframe = sent[0]!;
        expect(buf.forNack([65000], 5)).toEqual([keyframe]);
        const last = sent.at(-1)!.header.sequenceNumber;
        const recent = Array.from({ length: 128 }, (_, i) => (last - i) & 0xffff);
        expect(buf.forNack(recent, 5)).toEqual([]);
        const older = (last - 128) & 0xffff;
        expect(buf.forNack([older, recent[0]!], 5)).toEqual([sent.at(-129)]);
    });

    it('answers nothing it does not know or that is too old', () => {
        const buf = new RetransmitBuffer({ capacity: 1024, maxAgeMs: 1000 });
        sendRun(buf, 0, 100, 0);
        sendRun(buf, 101, 300, 0); // 100 never existed for this player
        expect(buf.forNack([100], 10)).toEqual([]);
        expect(buf.forNack([5000], 10)).toEqual([]);
        expect(buf.forNack([1], 1000)).toHaveLength(1);
        expect(buf.forNack([1], 1001)).toEqual([]); // the player has given up on it by now
        // overwritten by a packet 1024 later (same slot)
        sendRun(buf, 1025, 1, 10);
        expect(buf.forNack([1], 10)).toEqual([]);
    });

    it('a slot werift still holds (no later packet with the same residue went out) is werift’s', () => {
        const buf = new RetransmitBuffer();
        sendRun(buf, 0, 128, 0);
        sendRun(buf, 129, 127, 0); // 128 withheld (slot 0): werift's slot 0 still holds 0, 255 back
        expect(buf.forNack([0], 1)).toEqual([]);
        expect(buf.forNack([1], 1)).toHaveLength(1); // slot 1 holds 129 now
        sendRun(buf, 256, 1, 0); // slot 0 → 256: werift forgot 0
        expect(buf.forNack([0], 1)).toHaveLength(1);
    });

    it('answers a packet lost before werift got it (the loss fault’s link), however recent', () => {
        const buf = new RetransmitBuffer();
        sendRun(buf, 0, 10, 0);
        const lost = rtp(10, 0, vp8Payload('delta'));
        buf.lost(lost, 0);
        sendRun(buf, 11, 10, 0);
        expect(buf.forNack([9, 10, 11], 1)).toEqual([lost]);
    });
});
