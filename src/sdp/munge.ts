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
function edit(sdp: string, kind: 'audio' | 'video', fn: (section: Section) => Section | void): string {
    return `${sectionsOf(sdp)
        .flatMap((section) => (section[0]?.startsWith(`m=${kind} `) && fn(section)) || section)
        .join('\r\n')}\r\n`;
}

/** The first capture of `pattern` in the lines of `section`. */
function match(section: Section, pattern: RegExp | string): string | undefined {
    for (const line of section) {
        const found = line.match(pattern);
        if (found) return found[1];
    }
}

/** The payload types of the `m=` line, in order. */
function payloadsOf(section: Section): string[] {
    return section[0]!.split(' ').slice(3);
}

/** Rewrites the payload list of the `m=` line with `fn`. */
function setPayloads(section: Section, fn: (payloads: string[]) => string[]): void {
    section[0] = [...section[0]!.split(' ').slice(0, 3), ...fn(payloadsOf(section))].join(' ');
}

/** The codec (rtpmap encoding name, upper case) of `payload`, or of the first rtpmap line. */
const codecOf = (section: Section, payload = '\\d+'): string | undefined =>
    match(section, `^a=rtpmap:${payload} ([^/]*)`)?.toUpperCase();

/** Payloads whose codec is `codec`, case-insensitive. */
const payloadsOfCodec = (section: Section, codec: string): string[] =>
    payloadsOf(section).filter((p) => codecOf(section, p) === codec.toUpperCase());

/** `payloads` and their RTX payloads (`apt=`). */
function withRtx(section: Section, payloads: string[]): Set<string> {
    const all = new Set(payloads);
    for (const p of payloadsOf(section)) {
        if (all.has(match(section, `^a=fmtp:${p} (?:.*;)?\\s*apt=(\\d+)`)!)) all.add(p);
    }
    return all;
}

/** Adds `stereo=1; sprop-stereo=1` to every Opus payload (creating the fmtp line if needed). */
export function enableOpusStereo(sdp: string): string {
    return edit(sdp, 'audio', (section) => {
        for (const p of payloadsOfCodec(section, 'opus')) {
            let at = section.findIndex((line) => line.startsWith(`a=fmtp:${p} `));
            if (at < 0) {
                at = section.findIndex((line) => line.startsWith(`a=rtpmap:${p} `)) + 1;
                section.splice(at, 0, `a=fmtp:${p} `);
            }
            let line = section[at]!;
            for (const key of ['stereo', 'sprop-stereo']) {
                const set = new RegExp(`([ ;]\\s*${key}=)\\d`);
                line = set.test(line) ? line.replace(set, '$11') : `${line};${key}=1`;
            }
            section[at] = line.replace(' ;', ' ');
        }
    });
}

/**
 * Removes H264 payloads that do not declare `packetization-mode=1` (servers expect mode 1),
 * keeping at least one H264 payload if all lack it.
 */
export function requireH264PacketizationMode1(sdp: string): string {
    return edit(sdp, 'video', (section) => {
        const h264 = payloadsOfCodec(section, 'H264');
        const mode0 = h264.filter((p) => !match(section, `^a=fmtp:${p} .*(packetization-mode=1)`));
        if (!mode0[0] || mode0.length === h264.length) return;
        // RTX payloads follow their primary payload out.
        const drop = withRtx(section, mode0);
        setPayloads(section, (payloads) => payloads.filter((p) => !drop.has(p)));
        return section.filter((line) => !drop.has(/^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(line)?.[1] ?? ''));
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
        setPayloads(section, (payloads) => payloads.sort((a, b) => +preferred.has(b) - +preferred.has(a)));
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
            const [kind, port, , first] = section[0]!.slice(2).split(' ');
            return {
                kind: kind!,
                mid: match(section, /^a=mid:(\S*)/),
                rejected: Number(port) === 0,
                direction: match(section, /^a=(sendrecv|sendonly|recvonly|inactive)$/) ?? 'sendrecv',
                codec: codecOf(section, first) ?? codecOf(section),
            };
        });
}

/** Names of the codecs an answer negotiated on its active m-lines (`OPUS`, `VP8` …). */
export function negotiatedCodecs(answer: string): Set<string> {
    const codecs = new Set<string>();
    for (const { rejected, codec, direction } of describeMedia(answer)) {
        if (!rejected && codec && direction !== 'inactive') codecs.add(codec);
    }
    return codecs;
}

/** Number of active m-lines on which the server sends media to us (a player's expected tracks). */
export function countIncomingMedia(answer: string): number {
    return describeMedia(answer).filter((m) => !m.rejected && m.direction.startsWith('send')).length;
}

/** Basic validity check of an SDP answer: a version line first and at least one m-line. */
export function isPlausibleSdp(sdp: string): boolean {
    return /^v=0\r?\n/.test(sdp) && /\nm=/.test(sdp);
}
