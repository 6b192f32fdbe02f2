/**
 * The RTCP feedback the relay sends publishers: keyframe requests (PLI, RFC 4585 § 6.3.1) and the
 * bitrate it wants (REMB, draft-alvestrand-rmcat-remb). werift's transport-wide congestion control
 * does not work, so REMB is the only bandwidth signal a publisher gets from this server.
 */
import { PictureLossIndication, ReceiverEstimatedMaxBitrate, RtcpPayloadSpecificFeedback } from 'werift';

/** Our RTCP sender SSRC: the relay sends no media to publishers, any constant will do. */
const RELAY_SSRC = 1;

/** REMB's bitrate field is an 18-bit mantissa and a 6-bit exponent. */
const MANTISSA_MAX = 0x3ffff;

export function buildPli(mediaSsrc: number): RtcpPayloadSpecificFeedback {
    return new RtcpPayloadSpecificFeedback({
        feedback: new PictureLossIndication({ senderSsrc: RELAY_SSRC, mediaSsrc }),
    });
}

/** A REMB asking the publisher's streams `ssrcs` for at most `bitrate` bits per second in total. */
export function buildRemb(bitrate: number, ssrcs: readonly number[]): RtcpPayloadSpecificFeedback {
    let mantissa = Math.max(1, Math.round(bitrate));
    let exp = 0;
    while (mantissa > MANTISSA_MAX) {
        mantissa = Math.floor(mantissa / 2);
        exp++;
    }
    const remb = new ReceiverEstimatedMaxBitrate({
        senderSsrc: RELAY_SSRC,
        mediaSsrc: 0,
        brExp: exp,
        brMantissa: mantissa,
        bitrate: BigInt(mantissa) << BigInt(exp),
        ssrcNum: ssrcs.length,
        ssrcFeedbacks: [...ssrcs],
    });
    return new RtcpPayloadSpecificFeedback({ feedback: remb });
}
