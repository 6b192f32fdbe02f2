/**
 * The werift side of a session: the RTCPeerConnection every session uses (loopback only, ICE-lite,
 * nothing public) and the offer/answer exchange with it.
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
}

export function createPeer(setup: PeerSetup): RTCPeerConnection {
    const exts = setup.extensions.map((uri, i) => ({ id: i + 1, uri }));
    return new RTCPeerConnection({
        iceFilterStunResponse: () => {
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
