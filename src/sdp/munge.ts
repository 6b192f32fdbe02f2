/**
 * The few SDP edits and reads rtcwire needs, done line by line: every line the edit does not
 * concern is kept as the browser wrote it, in its order (a full parse/write cycle would reorder
 * attributes and cost ~10 KB of grammar). Output lines end with CRLF.
 *
 * @packageDocumentation
 */
import type { VideoCodec } from '../core/types';

/** One m-section: its `m=` line first, then its attributes. Section 0 is the session part. */
type Section = string[];

function sectionsOf(sdp: string): Section[] {
    const sections: Section[] = [[]];
    for (const line of sdp.split(/\r?\n/)) {
        if (line.startsWith('m=')) sections.push([line]);
        else if (line) sections[sections.length - 1]!.push(line);
    }
    return sections;
}

/** Applies `edit` to every m-section of `kind` and writes the SDP back. */
function edit(sdp: string, kind: 'audio' | 'video', fn: (section: Section) => void): string {
    const sections = sectionsOf(sdp);
    for (const section of sections) if (section[0]?.startsWith(`m=${kind} `)) fn(section);
    return `${sections.flat().join('\r\n')}\r\n`;
}

/** The payload types of the `m=` line, in order. */
function payloadsOf(section: Section): string[] {
    return (section[0] ?? '').split(' ').slice(3);
}

/** `a=<attribute>:<payload> <value>` lines of a section, by payload. */
function byPayload(section: Section, attribute: 'rtpmap' | 'fmtp'): Map<string, string> {
    const values = new Map<string, string>();
    for (const line of section) {
        const match = new RegExp(`^a=${attribute}:(\\d+) (.*)`).exec(line);
        if (match) values.set(match[1]!, match[2]!);
    }
    return values;
}

/** Payloads whose codec (rtpmap encoding name) is `codec`, case-insensitive. */
function payloadsOfCodec(section: Section, codec: string): Set<string> {
    const found = new Set<string>();
    for (const [payload, map] of byPayload(section, 'rtpmap')) {
        if (map.split('/')[0]!.toUpperCase() === codec.toUpperCase()) found.add(payload);
    }
    return found;
}

/** Adds to `payloads` the RTX payloads (`apt=`) of its members. */
function withRtx(section: Section, payloads: Set<string>): Set<string> {
    for (const [payload, config] of byPayload(section, 'fmtp')) {
        const apt = /(?:^|;)\s*apt=(\d+)/.exec(config)?.[1];
        if (apt !== undefined && payloads.has(apt)) payloads.add(payload);
    }
    return payloads;
}

/** Rewrites the payload list of the `m=` line. */
function setPayloads(section: Section, payloads: string[]): void {
    section[0] = [...section[0]!.split(' ').slice(0, 3), ...payloads].join(' ');
}

/** Adds `stereo=1; sprop-stereo=1` to every Opus payload (creating the fmtp line if needed). */
export function enableOpusStereo(sdp: string): string {
    return edit(sdp, 'audio', (section) => {
        const fmtps = byPayload(section, 'fmtp');
        for (const payload of payloadsOfCodec(section, 'opus')) {
            let config = fmtps.get(payload);
            if (config === undefined) {
                const at = section.findIndex((line) => line.startsWith(`a=rtpmap:${payload} `));
                section.splice(at + 1, 0, `a=fmtp:${payload} stereo=1;sprop-stereo=1`);
                continue;
            }
            for (const key of ['stereo', 'sprop-stereo']) {
                const set = new RegExp(`((?:^|;)\\s*${key}=)\\d`);
                config = set.test(config) ? config.replace(set, '$11') : `${config};${key}=1`;
            }
            const at = section.findIndex((line) => line.startsWith(`a=fmtp:${payload} `));
            section[at] = `a=fmtp:${payload} ${config}`;
        }
    });
}

/**
 * Removes H264 payloads that do not declare `packetization-mode=1` (servers expect mode 1),
 * keeping at least one H264 payload if all lack it.
 */
export function requireH264PacketizationMode1(sdp: string): string {
    return edit(sdp, 'video', (section) => {
        const fmtps = byPayload(section, 'fmtp');
        const h264 = [...payloadsOfCodec(section, 'H264')];
        const mode1 = h264.filter((p) => /packetization-mode=1/.test(fmtps.get(p) ?? ''));
        if (mode1.length === 0) return;
        // RTX payloads follow their primary payload out.
        const drop = withRtx(section, new Set(h264.filter((p) => !mode1.includes(p))));
        if (drop.size === 0) return;
        setPayloads(
            section,
            payloadsOf(section).filter((p) => !drop.has(p)),
        );
        const kept = section.filter((line) => !drop.has(/^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(line)?.[1] ?? ''));
        section.splice(0, section.length, ...kept);
    });
}

/**
 * Moves `codec`'s payloads (and their RTX payloads) to the front of every video m-line, for
 * browsers without `RTCRtpTransceiver.setCodecPreferences`. The SDP is unchanged if the codec is
 * absent.
 */
export function preferVideoCodec(sdp: string, codec: VideoCodec): string {
    return edit(sdp, 'video', (section) => {
        const preferred = withRtx(section, payloadsOfCodec(section, codec));
        const order = payloadsOf(section);
        setPayloads(section, [...order.filter((p) => preferred.has(p)), ...order.filter((p) => !preferred.has(p))]);
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
    return sectionsOf(sdp)
        .slice(1)
        .map((section) => {
            const [kind, port] = section[0]!.slice(2).split(' ');
            const maps = byPayload(section, 'rtpmap');
            const map = maps.get(payloadsOf(section)[0] ?? '') ?? [...maps.values()][0];
            const attribute = (re: RegExp) => section.map((line) => re.exec(line)?.[1]).find((v) => v !== undefined);
            return {
                kind: kind!,
                mid: attribute(/^a=mid:(\S*)/),
                rejected: Number(port) === 0,
                direction: attribute(/^a=(sendrecv|sendonly|recvonly|inactive)$/) ?? 'sendrecv',
                codec: map?.split('/')[0]!.toUpperCase(),
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
    return describeMedia(answer).filter(
        (m) => !m.rejected && (m.direction === 'sendonly' || m.direction === 'sendrecv'),
    ).length;
}

/** Basic validity check of an SDP answer: a version line first and at least one m-line. */
export function isPlausibleSdp(sdp: string): boolean {
    return /^v=0\r?\n/.test(sdp) && /\nm=/.test(sdp);
}
