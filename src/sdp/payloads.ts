/**
 * Reading the payload types of one m-line as `sdp-transform` parses it: their list, their codec,
 * their format parameters and the retransmission (RTX) payloads that repair them. Shared by the
 * offer edits and the answer reader; not part of the public API.
 *
 * @packageDocumentation
 * @internal
 */
import { parseParams, parsePayloads, type MediaDescription, type ParamMap } from 'sdp-transform';

/**
 * The payload types of `media`, in the order of its m= line.
 *
 * `sdp-transform` gives one payload type as a number and several as a string, and an application
 * m-line lists a format name (`webrtc-datachannel`) instead: only the numbers are payload types.
 */
export function payloadTypesOf(media: MediaDescription): number[] {
    if (media.payloads === undefined) return [];
    return parsePayloads(String(media.payloads)).filter((payload) => Number.isInteger(payload));
}

/** The encoding name of `payload` from its `a=rtpmap` line, upper case (`OPUS`, `H264`, `RTX` …). */
export function codecOf(media: MediaDescription, payload: number): string | undefined {
    return media.rtp.find((rtp) => rtp.payload === payload)?.codec.toUpperCase();
}

/** The payload types of `media` whose encoding name is `codec` (any case), in m= line order. */
export function payloadTypesOfCodec(media: MediaDescription, codec: string): number[] {
    const wanted = codec.toUpperCase();
    return payloadTypesOf(media).filter((payload) => codecOf(media, payload) === wanted);
}

/** The format parameters of `payload` (its `a=fmtp` line), or none. */
export function formatParametersOf(media: MediaDescription, payload: number): ParamMap {
    const fmtp = media.fmtp.find((entry) => entry.payload === payload);
    return fmtp ? parseParams(fmtp.config) : {};
}

/**
 * `payloads` and the RTX payloads that repair them (`a=fmtp:<rtx> apt=<payload>`, RFC 4588), in m=
 * line order: a codec's retransmission payload stands or falls, and moves, with the codec.
 */
export function withRepairPayloads(media: MediaDescription, payloads: number[]): number[] {
    const repairs = (payload: number): boolean => {
        const apt = formatParametersOf(media, payload).apt;
        return apt !== undefined && payloads.includes(Number(apt));
    };
    return payloadTypesOf(media).filter((payload) => payloads.includes(payload) || repairs(payload));
}
