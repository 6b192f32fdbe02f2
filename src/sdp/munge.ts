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

const sectionsOf = (sdp: string): Section[] =>
    sdp.split(/\r?\n(?=m=)/).map((text) => text.split(/\r?\n/).filter(Boolean));

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

/** The codec (rtpmap encoding name, upper case) of `payload`, or of the first rtpmap line. */
const codecOf = (section: Section, payload = '\\d+'): string | undefined =>
    match(section, `^a=rtpmap:${payload} ([^/]*)`)?.toUpperCase();

/** Payloads whose codec is `codec` (upper case). */
const payloadsOfCodec = (section: Section, codec: string): string[] =>
    payloadsOf(section).filter((p) => codecOf(section, p) === codec);

/** `payloads` and their RTX payloads (`apt=`). */
function withRtx(section: Section, payloads: string[]): Set<string> {
    const all = new Set(payloads);
    for (const p of payloadsOf(section)) {
        if (all.has(match(section, `^a=fmtp:${p} .*\\bapt=(\\d+)`)!)) all.add(p);
    }
    return all;
}

/**
 * Edits a local offer in one pass:
 * - audio: adds `stereo=1; sprop-stereo=1` to every Opus payload (creating the fmtp line if needed);
 * - video: removes the H264 payloads that do not declare `packetization-mode=1` (servers expect
 *   mode 1) and their RTX payloads, unless none declares it (better mode 0 than no H264); then,
 *   with `codec`, moves that codec's payloads (and their RTX payloads) to the front of the `m=`
 *   line: the server answers with the first codec it supports (no change if the codec is absent).
 */
export function mungeOffer(sdp: string, codec?: VideoCodec): string {
    const sections = sectionsOf(sdp).map((section) => {
        const kind = section[0]?.split(/[= ]/)[1];
        if (kind === 'audio') {
            for (const p of payloadsOfCodec(section, 'OPUS')) {
                let at = section.findIndex((line) => line.startsWith(`a=fmtp:${p} `));
                if (at < 0) {
                    at = section.findIndex((line) => line.startsWith(`a=rtpmap:${p} `)) + 1;
                    section.splice(at, 0, `a=fmtp:${p} `);
                }
                let line = section[at]!.replace(/([ ;]\s*(?:sprop-)?stereo=)\d/g, '$11');
                for (const key of ['stereo', 'sprop-stereo']) {
                    if (!line.match(`[ ;]\\s*${key}=`)) line += `;${key}=1`;
                }
                section[at] = line.replace(' ;', ' ');
            }
        }
        if (kind === 'video') {
            const h264 = payloadsOfCodec(section, 'H264');
            const mode0 = h264.filter((p) => !match(section, `^a=fmtp:${p} .*(packetization-mode=1)`));
            // RTX payloads follow their primary payload out.
            const drop = withRtx(section, mode0.length < h264.length ? mode0 : []);
            const preferred = withRtx(section, payloadsOfCodec(section, (codec ?? '').toUpperCase()));
            section[0] = [
                ...section[0]!.split(' ').slice(0, 3),
                ...payloadsOf(section)
                    .filter((p) => !drop.has(p))
                    .sort((a, b) => +preferred.has(b) - +preferred.has(a)),
            ].join(' ');
            section = section.filter((line) => !drop.has(/^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(line)?.[1] ?? ''));
        }
        return section;
    });
    return `${sections.flat().join('\r\n')}\r\n`;
}

/**
 * Reads a server's answer: the codec names (`OPUS`, `VP8`, `H264` …: the first payload of each
 * active m-line) and the number of active m-lines on which the server sends media (a player's
 * expected tracks). Undefined when the text is not plausibly SDP (a version line first and at
 * least one m-line).
 */
export function readAnswer(answer: string): [codecs: string[], incoming: number] | undefined {
    const sections = sectionsOf(answer);
    if (!/^v=0\r?\n/.test(answer) || !sections[1]) return;
    const codecs: string[] = [];
    let incoming = 0;
    for (const section of sections.slice(1)) {
        const [, port, , first] = section[0]!.split(' ');
        const direction = match(section, /^a=(sendrecv|sendonly|recvonly|inactive)$/) ?? 'sendrecv';
        const codec = codecOf(section, first) ?? codecOf(section);
        // Port 0: the server rejected this m-line.
        if (Number(port) !== 0) {
            if (codec && direction !== 'inactive') codecs.push(codec);
            if (direction.startsWith('send')) incoming++;
        }
    }
    return [codecs, incoming];
}
