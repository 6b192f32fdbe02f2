/**
 * The werift side of a session: the RTCPeerConnection every session uses (loopback only, ICE-lite,
 * nothing public), the offer/answer exchange with it, and its network link (every datagram passes
 * {@link PeerSetup.linkUp}, where the fault switch can cut it).
 */
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { Log } from '../log.ts';
import { fixAnswer } from '../sdp/munge.ts';
import type { Kind, OfferCodec } from '../sdp/offer.ts';
import { SignalError } from './SignalError.ts';

/** How long werift may take to gather its one loopback candidate. */
const GATHER_TIMEOUT_MS = 3000;

export interface PeerSetup {
    /** the one codec negotiated per kind (none = that kind is rejected) */
    audio?: OfferCodec;
    video?: OfferCodec;
    /** header extension URIs to negotiate */
    extensions: string[];
    /** called for every STUN request (consent checks): the liveness signal of the peer */
    onStun: () => void;
    /** whether a datagram to or from the peer goes through: false = lost (a link that is down) */
    linkUp: () => boolean;
}

/** Each peer connection's link gate, for {@link negotiate} to put its ICE transports behind. */
const linkGates = new WeakMap<RTCPeerConnection, () => boolean>();
/** The ICE connections already behind their gate. */
const gated = new WeakSet<object>();

export function createPeer(setup: PeerSetup): RTCPeerConnection {
    const exts = setup.extensions.map((uri, i) => ({ id: i + 1, uri }));
    const pc = new RTCPeerConnection({
        // an ICE-lite agent sends no STUN requests: its STUN traffic is the answers to these
        iceFilterStunResponse: () => {
            if (!setup.linkUp()) return false;
            setup.onStun();
            return true;
        },
        iceServers: [],
        iceLite: true,
        iceUseIpv4: false,
        iceUseIpv6: false,
        iceUseTcp: false,
        iceTcpPassive: false,
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
        bundlePolicy: 'max-bundle',
        codecs: {
            audio: setup.audio ? [toWerift('audio', setup.audio)] : [],
            video: setup.video ? [toWerift('video', setup.video)] : [],
        },
        headerExtensions: { audio: exts, video: exts },
    });
    linkGates.set(pc, setup.linkUp);
    return pc;
}

/**
 * Puts the datagrams of `pc`'s ICE transports that are not STUN (DTLS, SRTP, SRTCP, SCTP), in and
 * out, behind its link gate. werift has a hook for STUN only (`iceFilterStunResponse`); every other
 * datagram passes its ICE connection's `send` and `onData`, which are wrapped here. werift creates
 * the transports on setRemoteDescription, hence after it; an ICE restart keeps them.
 */
function gateLink(pc: RTCPeerConnection): void {
    const linkUp = linkGates.get(pc);
    if (!linkUp) return;
    for (const { connection } of pc.iceTransports) {
        if (gated.has(connection)) continue;
        gated.add(connection);
        const send = connection.send;
        connection.send = (data) => (linkUp() ? send(data) : Promise.resolve());
        const deliver = connection.onData.execute;
        connection.onData.execute = (...args) => {
            if (linkUp()) deliver(...args);
        };
    }
}

/** werift's transport-cc is broken: video gets NACK, PLI, FIR and REMB feedback only. */
function toWerift(kind: Kind, c: OfferCodec): RTCRtpCodecParameters {
    return new RTCRtpCodecParameters({
        mimeType: `${kind}/${c.name}`,
        clockRate: c.clockRate,
        ...(c.channels ? { channels: c.channels } : {}),
        ...(c.fmtp ? { parameters: c.fmtp } : {}),
        rtcpFeedback:
            kind === 'video'
                ? [
                      { type: 'nack' },
                      { type: 'nack', parameter: 'pli' },
                      { type: 'ccm', parameter: 'fir' },
                      { type: 'goog-remb' },
                  ]
                : [],
        payloadType: c.pt,
    });
}

/**
 * Answers a (validated, munged) offer: SRD → answer → SLD → wait for gathering → fixed SDP.
 * werift's own exceptions say nothing a client could use: an offer werift cannot apply is a 400
 * with a plain text, any later failure an internal error (logged by the caller).
 */
export async function negotiate(pc: RTCPeerConnection, offer: string, log?: Log): Promise<string> {
    const t0 = performance.now();
    try {
        await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    } catch (e) {
        log?.('debug', 'setRemoteDescription failed', e);
        throw new SignalError('Invalid offer: it could not be applied', 400);
    }
    gateLink(pc);
    const t1 = performance.now();
    const answer = await pc.createAnswer();
    // DTLS server role: a=setup:passive (werift applies the role from the local description)
    const sdp = answer.sdp.replace(/^a=setup:(active|actpass)/gm, 'a=setup:passive');
    await pc.setLocalDescription({ type: 'answer', sdp });
    if (pc.iceGatheringState !== 'complete') {
        await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, GATHER_TIMEOUT_MS);
            pc.iceGatheringStateChange.subscribe((s) => {
                if (s === 'complete') {
                    clearTimeout(t);
                    resolve();
                }
            });
        });
    }
    const t2 = performance.now();
    log?.('debug', `negotiate: SRD ${Math.round(t1 - t0)} ms, answer+SLD+gather ${Math.round(t2 - t1)} ms`);
    const final = fixAnswer(pc.localDescription!.sdp);
    if (!/^a=candidate:/m.test(final)) throw new Error('no loopback ICE candidate gathered');
    return final;
}
