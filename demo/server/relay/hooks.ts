/**
 * The points where the relay asks whether a packet goes on. The relay itself never loses a packet
 * on purpose; the test-only fault switch (`faults.ts`) implements these to simulate lossy links,
 * and unit tests implement them to lose exactly the packets they choose.
 */
export interface RelayHooks {
    /** A publisher's packet on `stream` arrived: false = lose it before anything counts it (a lossy uplink). */
    acceptFromPublisher(stream: string): boolean;
    /** A packet (or a retransmission) is sent to a player of `stream`: false = lost on the way (a lossy downlink). */
    deliverToPlayer(stream: string): boolean;
    /**
     * A datagram (STUN, DTLS, RTP, RTCP, SCTP) between a session of `role` on `stream` and its
     * peer, in either direction, on the path of the session's current ICE session, which started
     * at `iceSince` (`Date.now()` of its negotiation or last ICE restart): false = lost, as on a
     * network path that is down.
     */
    linkUp(stream: string, role: 'publish' | 'play', iceSince: number): boolean;
}

/** Every packet goes on. */
export const LOSSLESS: RelayHooks = {
    acceptFromPublisher: () => true,
    deliverToPlayer: () => true,
    linkUp: () => true,
};
