// Sequence number and timestamp continuity of one outgoing stream whose source changes.
import { describe, expect, it } from 'vitest';
import { SequenceRewriter } from '../../../demo/server/rtp/SequenceRewriter.ts';

describe('SequenceRewriter', () => {
    it('passes the first source through unchanged', () => {
        const r = new SequenceRewriter();
        r.restart(3000); // nothing written yet: nothing to join
        expect(r.rewrite({ sequenceNumber: 100, timestamp: 5000 })).toEqual({ sequenceNumber: 100, timestamp: 5000 });
        expect(r.rewrite({ sequenceNumber: 101, timestamp: 8000 })).toEqual({ sequenceNumber: 101, timestamp: 8000 });
    });

    it('continues the numbering after a restart, with the timestamp step asked for', () => {
        const r = new SequenceRewriter();
        r.rewrite({ sequenceNumber: 100, timestamp: 5000 });
        r.restart(1234.4);
        // the new source numbers far away, and wraps soon
        expect(r.rewrite({ sequenceNumber: 65534, timestamp: 4_294_967_000 })).toEqual({
            sequenceNumber: 101,
            timestamp: 6234,
        });
        expect(r.rewrite({ sequenceNumber: 65535, timestamp: 4_294_967_000 })).toEqual({
            sequenceNumber: 102,
            timestamp: 6234,
        });
        expect(r.rewrite({ sequenceNumber: 0, timestamp: 2704 })).toEqual({ sequenceNumber: 103, timestamp: 9234 });
        // a gap in the source (a lost packet) stays a gap for the player, who can NACK it
        expect(r.rewrite({ sequenceNumber: 2, timestamp: 5704 })).toEqual({ sequenceNumber: 105, timestamp: 12234 });
        expect(r.lastOutput).toEqual({ sequenceNumber: 105, timestamp: 12234 });
    });

    it('wraps its own output modulo 2^16 and 2^32', () => {
        const r = new SequenceRewriter();
        r.rewrite({ sequenceNumber: 65535, timestamp: 4_294_967_295 });
        r.restart(1);
        expect(r.rewrite({ sequenceNumber: 7, timestamp: 7 })).toEqual({ sequenceNumber: 0, timestamp: 0 });
    });

    it('a restart step is at least one tick (two frames never share a timestamp by accident)', () => {
        const r = new SequenceRewriter();
        r.rewrite({ sequenceNumber: 1, timestamp: 1000 });
        r.restart(0);
        expect(r.rewrite({ sequenceNumber: 50, timestamp: 1 }).timestamp).toBe(1001);
    });
});
