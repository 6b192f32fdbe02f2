/**
 * The edits rtcwire makes to the browser's own offer before `setLocalDescription`, each a pure
 * function on the session that `sdp-transform` parses, and {@link prepareOffer}, which parses the
 * offer once, applies them in order and writes it once.
 *
 * Writing goes through `sdp-transform`, which puts attributes in its grammar's order rather than
 * the browser's (`a=rtpmap` lines together, then `a=fmtp` …; lines it does not know at the end of
 * their section): the order of attribute lines carries no meaning (RFC 8866 §5). Every line is
 * kept, but for two quirks of sdp-transform 3.0.0 pinned in `test/sdp/roundtrip.test.ts`: it
 * spells `a=msid-semantic` its own way (which Chromium accepts), and it cannot read Firefox's
 * `a=msid:- {uuid}` (a track without a stream, which rtcwire's publisher never makes).
 *
 * @packageDocumentation
 */
import { parse, write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { VideoCodec } from '../core/types';
import { formatParametersOf, payloadTypesOf, payloadTypesOfCodec, withRepairPayloads } from './payloads';

/** The Opus format parameters that ask for stereo, both ways. */
const OPUS_STEREO: ReadonlyMap<string, string> = new Map([
    ['stereo', '1'],
    ['sprop-stereo', '1'],
]);

/**
 * Asks for stereo Opus: `stereo=1;sprop-stereo=1` on every Opus payload, creating its `a=fmtp`
 * line if it has none and turning an existing `stereo=0` into `stereo=1`. Without them an offer
 * says it prefers to receive mono and will send mono (RFC 7587 §7.1); `stereo=1` asks the server
 * for stereo, `sprop-stereo=1` tells it ours may be stereo.
 *
 * @returns a copy of `session`; `session` itself is not changed.
 */
export function enableOpusStereo(session: SessionDescription): SessionDescription {
    return editEachMedia(session, (media) => {
        for (const payload of payloadTypesOfCodec(media, 'opus')) {
            const fmtp = media.fmtp.find((entry) => entry.payload === payload);
            if (fmtp) fmtp.config = withParameters(fmtp.config, OPUS_STEREO);
            else media.fmtp.push({ payload, config: withParameters('', OPUS_STEREO) });
        }
    });
}

/**
 * Removes the H264 payloads that do not declare `packetization-mode=1`, with their RTX payloads
 * (their `a=rtpmap`, `a=fmtp` and `a=rtcp-fb` lines and their place on the m= line), so that the
 * server cannot choose one: media servers such as MistServer handle H264 in packetization mode 1
 * only. When no H264 payload declares mode 1, all are kept: better mode 0 than no H264.
 *
 * A payload without `packetization-mode` is in mode 0 (RFC 6184 §8.1), as Firefox offers one.
 *
 * @returns a copy of `session`; `session` itself is not changed.
 */
export function requireH264PacketizationMode1(session: SessionDescription): SessionDescription {
    return editEachMedia(session, (media) => {
        const h264 = payloadTypesOfCodec(media, 'H264');
        const mode1 = h264.filter((payload) => Number(formatParametersOf(media, payload)['packetization-mode']) === 1);
        if (mode1.length === 0) return;
        const otherModes = h264.filter((payload) => !mode1.includes(payload));
        removePayloads(media, withRepairPayloads(media, otherModes));
    });
}

/**
 * Moves the payloads of `codec`, with their RTX payloads, to the front of every video m= line,
 * keeping their order and the order of the others: an answerer picks the first payload it
 * supports. A video m-line without that codec is left as it is.
 *
 * This is the fallback for browsers without `RTCRtpTransceiver.setCodecPreferences`; where the
 * browser already put `codec` first it changes nothing.
 *
 * @example
 * ```ts
 * const session = preferVideoCodec(parse(sdp), 'H264');
 * // m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101  (VP8, rtx, VP9, rtx, H264, rtx)
 * // becomes
 * // m=video 9 UDP/TLS/RTP/SAVPF 100 101 96 97 98 99
 * ```
 * @returns a copy of `session`; `session` itself is not changed.
 */
export function preferVideoCodec(session: SessionDescription, codec: VideoCodec): SessionDescription {
    return editEachMedia(session, (media) => {
        if (media.type !== 'video') return;
        const preferred = withRepairPayloads(media, payloadTypesOfCodec(media, codec));
        if (preferred.length === 0) return;
        const others = payloadTypesOf(media).filter((payload) => !preferred.includes(payload));
        media.payloads = [...preferred, ...others].join(' ');
    });
}

/**
 * The local offer as rtcwire sends it: Opus in stereo ({@link enableOpusStereo}), H264 in
 * packetization mode 1 only ({@link requireH264PacketizationMode1}) and, with `videoCodec`, that
 * codec first ({@link preferVideoCodec}). The text is parsed once and written once; lines end
 * with CRLF.
 *
 * Pass the result to `setLocalDescription` and send that same text to the server, so that both
 * ends see the same offer.
 *
 * @example
 * ```ts
 * const offer = await pc.createOffer();
 * const sdp = prepareOffer(offer.sdp!, { videoCodec: 'H264' });
 * await pc.setLocalDescription({ type: 'offer', sdp });
 * ```
 */
export function prepareOffer(sdp: string, options: { videoCodec?: VideoCodec } = {}): string {
    let session = requireH264PacketizationMode1(enableOpusStereo(parse(sdp)));
    if (options.videoCodec) session = preferVideoCodec(session, options.videoCodec);
    return write(session);
}

/**
 * A copy of `session` with `edit` applied to each of its m-lines: the edit may change the m-line
 * it is given, never the caller's session.
 */
function editEachMedia(session: SessionDescription, edit: (media: MediaDescription) => void): SessionDescription {
    const copy = structuredClone(session);
    copy.media.forEach(edit);
    return copy;
}

/**
 * Removes `payloads` from the m= line of `media` and every attribute scoped to them: `a=rtpmap`,
 * `a=fmtp`, `a=rtcp-fb` (with `trr-int`) and `a=imageattr`. A wildcard (`a=rtcp-fb:*`) concerns
 * every payload and stays.
 */
function removePayloads(media: MediaDescription, payloads: number[]): void {
    const kept = (payload: number | string): boolean => !payloads.includes(Number(payload));
    media.payloads = payloadTypesOf(media).filter(kept).join(' ');
    media.rtp = media.rtp.filter((rtp) => kept(rtp.payload));
    media.fmtp = media.fmtp.filter((fmtp) => kept(fmtp.payload));
    if (media.rtcpFb) media.rtcpFb = media.rtcpFb.filter((feedback) => kept(feedback.payload));
    if (media.rtcpFbTrrInt) media.rtcpFbTrrInt = media.rtcpFbTrrInt.filter((feedback) => kept(feedback.payload));
    if (media.imageattrs) media.imageattrs = media.imageattrs.filter((imageattr) => kept(imageattr.pt));
}

/**
 * `config` (an `a=fmtp` parameter list, `key=value;key=value`) with each of `parameters` set: an
 * existing key keeps its place and takes the new value, a missing one is appended.
 */
function withParameters(config: string, parameters: ReadonlyMap<string, string>): string {
    const keyOf = (pair: string): string => pair.split('=')[0]!.trim();
    const pairs = config
        .split(';')
        .map((pair) => pair.trim())
        .filter((pair) => pair !== '');
    const updated = pairs.map((pair) => {
        const key = keyOf(pair);
        return parameters.has(key) ? `${key}=${parameters.get(key)}` : pair;
    });
    const added = [...parameters]
        .filter(([key]) => !pairs.some((pair) => keyOf(pair) === key))
        .map(([key, value]) => `${key}=${value}`);
    return [...updated, ...added].join(';');
}
