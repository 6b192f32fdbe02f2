/**
 * Header extensions between a publisher and a player. A publisher's packets carry the extension
 * ids negotiated with the publisher (mid, rtp-stream-id for simulcast); a player negotiated none,
 * and werift's sender keeps whatever extensions a packet it sends already has. Forwarded as they
 * are, they would reach the player under ids that mean something else there (or nothing), so the
 * relay sends players bare packets.
 */
import { RtpPacket, RtpHeader } from 'werift';

/** A copy of `p` without header extensions (the payload buffer is shared, never written). */
export function withoutHeaderExtensions(p: RtpPacket): RtpPacket {
    const header = new RtpHeader({ ...p.header, extension: false, extensions: [] });
    return new RtpPacket(header, p.payload);
}
