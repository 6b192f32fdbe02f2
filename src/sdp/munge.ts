import { parse, write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { VideoCodec } from '../core/types';

type Rtp = MediaDescription['rtp'][number];
type Fmtp = MediaDescription['fmtp'][number];

function payloadsOf(media: MediaDescription): number[] {
    return String(media.payloads ?? '')
        .split(' ')
        .filter(Boolean)
        .map(Number);
}

function fmtpOf(media: MediaDescription, payload: number): Fmtp | undefined {
    return media.fmtp.find((f) => f.payload === payload);
}

function aptOf(media: MediaDescription, payload: number): number | undefined {
    const match = /(?:^|;)\s*apt=(\d+)/.exec(fmtpOf(media, payload)?.config ?? '');
    return match?.[1] ? Number(match[1]) : undefined;
}

function dropPayloads(media: MediaDescription, drop: Set<number>): void {
    if (drop.size === 0) return;
    // RTX payloads follow their primary payload out.
    for (const rtp of media.rtp) {
        const apt = aptOf(media, rtp.payload);
        if (apt !== undefined && drop.has(apt)) drop.add(rtp.payload);
    }
    const keep = (p: { payload: number }) => !drop.has(p.payload);
    media.rtp = media.rtp.filter(keep);
    media.fmtp = media.fmtp.filter(keep);
    if (media.rtcpFb) media.rtcpFb = media.rtcpFb.filter((fb) => !drop.has(Number(fb.payload)));
    media.payloads = payloadsOf(media)
        .filter((p) => !drop.has(p))
        .join(' ');
}

function transform(sdp: string, fn: (session: SessionDescription) => void): string {
    const session = parse(sdp);
    fn(session);
    return write(session);
}

/** Adds `stereo=1; sprop-stereo=1` to every Opus payload (creating the fmtp line if needed). */
export function enableOpusStereo(sdp: string): string {
    return transform(sdp, (session) => {
        for (const media of session.media) {
            if (media.type !== 'audio') continue;
            for (const rtp of media.rtp.filter((r: Rtp) => r.codec.toLowerCase() === 'opus')) {
                const fmtp = fmtpOf(media, rtp.payload);
                if (!fmtp) {
                    media.fmtp.push({ payload: rtp.payload, config: 'stereo=1;sprop-stereo=1' });
                    continue;
                }
                for (const key of ['stereo', 'sprop-stereo']) {
                    if (new RegExp(`(^|;)\\s*${key}=`).test(fmtp.config)) {
                        fmtp.config = fmtp.config.replace(new RegExp(`((?:^|;)\\s*${key}=)\\d`), '$11');
                    } else {
                        fmtp.config += `;${key}=1`;
                    }
                }
            }
        }
    });
}

/**
 * Removes H264 payloads that do not declare `packetization-mode=1` (servers expect mode 1),
 * keeping at least one H264 payload if all lack it.
 */
export function requireH264PacketizationMode1(sdp: string): string {
    return transform(sdp, (session) => {
        for (const media of session.media) {
            if (media.type !== 'video') continue;
            const h264 = media.rtp.filter((r: Rtp) => r.codec.toUpperCase() === 'H264').map((r: Rtp) => r.payload);
            const mode1 = h264.filter((p: number) => /packetization-mode=1/.test(fmtpOf(media, p)?.config ?? ''));
            if (mode1.length === 0) continue;
            dropPayloads(media, new Set(h264.filter((p: number) => !mode1.includes(p))));
        }
    });
}

/**
 * Moves `codec`'s payloads (and their RTX payloads) to the front of every video m-line, for
 * browsers without `RTCRtpTransceiver.setCodecPreferences`. The SDP is unchanged if the codec is
 * absent.
 */
export function preferVideoCodec(sdp: string, codec: VideoCodec): string {
    return transform(sdp, (session) => {
        for (const media of session.media) {
            if (media.type !== 'video') continue;
            const preferred = new Set(
                media.rtp.filter((r: Rtp) => r.codec.toUpperCase() === codec).map((r: Rtp) => r.payload),
            );
            if (preferred.size === 0) continue;
            for (const rtp of media.rtp) {
                const apt = aptOf(media, rtp.payload);
                if (apt !== undefined && preferred.has(apt)) preferred.add(rtp.payload);
            }
            const order = payloadsOf(media);
            media.payloads = [...order.filter((p) => preferred.has(p)), ...order.filter((p) => !preferred.has(p))].join(
                ' ',
            );
        }
    });
}

/** What an answer negotiated, per m-line. */
export interface AnswerMedia {
    kind: string;
    mid: string | undefined;
    /** Port 0: the server rejected this m-line. */
    rejected: boolean;
    /** Direction from the server's point of view. */
    direction: string;
    /** The first (chosen) codec name, upper case (`OPUS`, `VP8`, `H264` …). */
    codec: string | undefined;
}

/** Summarises the m-lines of an SDP. */
export function describeMedia(sdp: string): AnswerMedia[] {
    return parse(sdp).media.map((media) => {
        const first = payloadsOf(media)[0];
        const rtp = media.rtp.find((r: Rtp) => r.payload === first) ?? media.rtp[0];
        return {
            kind: media.type,
            mid: media.mid === undefined ? undefined : String(media.mid),
            rejected: media.port === 0,
            direction: media.direction ?? 'sendrecv',
            codec: rtp?.codec.toUpperCase(),
        };
    });
}

/** Names of the codecs an answer negotiated on its active m-lines (`OPUS`, `VP8` …). */
export function negotiatedCodecs(answer: string): Set<string> {
    const codecs = new Set<string>();
    for (const media of describeMedia(answer)) {
        if (!media.rejected && media.codec && media.direction !== 'inactive') codecs.add(media.codec);
    }
    return codecs;
}

/** Number of active m-lines on which the server sends media to us (a player's expected tracks). */
export function countIncomingMedia(answer: string): number {
    return describeMedia(answer).filter((m) => !m.rejected && (m.direction === 'sendonly' || m.direction === 'sendrecv'))
        .length;
}

/** Basic validity check of an SDP answer: parses, has a version line and at least one m-line. */
export function isPlausibleSdp(sdp: string): boolean {
    if (!/^v=0\r?\n/.test(sdp)) return false;
    try {
        return parse(sdp).media.length > 0;
    } catch {
        return false;
    }
}
