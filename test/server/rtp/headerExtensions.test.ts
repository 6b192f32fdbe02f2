// Publishers' header extensions are not forwarded to players.
import { RtpHeader, RtpPacket } from 'werift';
import { describe, expect, it } from 'vitest';
import { withoutHeaderExtensions } from '../../../demo/server/rtp/headerExtensions.ts';
import { vp8Payload } from '../helpers.ts';

describe('header extensions', () => {
    it('a forwarded packet carries none of the publisher’s extensions and is otherwise the same', () => {
        // as a simulcast publisher sends it: mid "1" (id 1) and rid "h" (id 2), one-byte header form
        const published = new RtpPacket(
            new RtpHeader({
                sequenceNumber: 4242,
                timestamp: 90_000,
                ssrc: 0xabc,
                payloadType: 96,
                marker: true,
                extension: true,
                extensions: [
                    { id: 1, payload: Buffer.from('1') },
                    { id: 2, payload: Buffer.from('h') },
                ],
            }),
            vp8Payload('key'),
        );
        const wire = RtpPacket.deSerialize(published.serialize());
        expect(wire.header.extensions.map((e) => e.id)).toEqual([1, 2]);

        const bare = withoutHeaderExtensions(wire);
        const sent = RtpPacket.deSerialize(bare.serialize());
        expect(sent.header.extension).toBe(false);
        expect(sent.header.extensions).toEqual([]);
        expect(sent.header).toMatchObject({ sequenceNumber: 4242, timestamp: 90_000, ssrc: 0xabc, marker: true });
        expect(sent.payload.equals(wire.payload)).toBe(true);
        expect(bare.payload).toBe(wire.payload); // shared, not copied
        expect(wire.header.extensions).toHaveLength(2); // the source packet is untouched
    });
});
