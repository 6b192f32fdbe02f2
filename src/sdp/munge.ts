/**
 * The few SDP edits and reads rtcwire needs, done on the text by line-anchored patterns: every
 * line the edit does not concern is kept as the browser wrote it, in its order (a full parse/write
 * cycle would reorder attributes and cost ~10 KB of grammar). Lines keep the browser's CRLF ends
 * (RFC 8866 §5); an inserted line ends with CRLF too.
 *
 * @packageDocumentation
 */
import type { VideoCodec } from '../core/types';

/** The m-sections of `sdp`, each from its `m=` line; the first is the session part. */
const sectionsOf = (sdp: string): string[] => sdp.split(/^(?=m=)/m);

/** The first capture of `pattern` (multiline: `^` and `$` at line ends) in `text`. */
const find = (text: string, pattern: string): string | undefined => text.match(RegExp(pattern, 'm'))?.[1];

/** The codec (rtpmap encoding name, upper case) of `payload`, or of the first rtpmap line. */
const codecOf = (section: string, payload = '\\d+'): string | undefined =>
    find(section, `^a=rtpmap:${payload} ([^/\\s]*)`)?.toUpperCase();

/**
 * Edits a local offer in one pass:
 * - audio: adds `stereo=1; sprop-stereo=1` to every Opus payload (creating the fmtp line if needed);
 * - video: removes the H264 payloads that do not declare `packetization-mode=1` (servers expect
 *   mode 1) and their RTX payloads, unless none declares it (better mode 0 than no H264); then,
 *   with `codec`, moves that codec's payloads (and their RTX payloads) to the front of the `m=`
 *   line: the server answers with the first codec it supports (no change if the codec is absent).
 */
export function mungeOffer(sdp: string, codec?: VideoCodec): string {
    return sectionsOf(sdp)
        .map((section) => {
            const payloads = section.match(/.*/)![0].split(' ').slice(3);
            /** The payload an RTX payload repairs (`apt=`), or `p` itself. */
            const primary = (p: string) => find(section, `^a=fmtp:${p} .*\\bapt=(\\d+)`) ?? p;
            /** The payloads of codec `name`, with their RTX payloads, in m-line order. */
            const ofCodec = (name: string) => payloads.filter((p) => codecOf(section, primary(p)) === name);
            // Each edit finds its codec only in the m-sections of its kind (Opus in audio …).
            for (const p of payloads.filter((p) => codecOf(section, p) == 'OPUS')) {
                const fmtp = RegExp(`^a=fmtp:${p} .*`, 'm');
                if (!fmtp.test(section))
                    section = section.replace(RegExp(`^a=rtpmap:${p} .*`, 'm'), `$&\r\na=fmtp:${p} stereo=1`);
                section = section.replace(fmtp, (line) => {
                    // Sets the key's value to 1, or appends it.
                    for (const key of ['stereo', 'sprop-stereo'])
                        line = line.replace(RegExp(`([ ;]\\s*${key}=)\\d|$`), (_, found = `;${key}=`) => `${found}1`);
                    return line;
                });
            }
            const h264 = ofCodec('H264');
            // An RTX payload is judged by its primary payload: they go out together.
            const mode0 = h264.filter((p) => !find(section, `^a=fmtp:${primary(p)} .*(packetization-mode=1)`));
            const drop = mode0.length < h264.length ? mode0 : [];
            const preferred = ofCodec(codec?.toUpperCase() ?? '');
            const kept = payloads
                .filter((p) => !drop.includes(p))
                .sort((a, b) => +preferred.includes(b) - +preferred.includes(a));
            return section
                .replace(/^(\S+ \S+ \S+).*/, `$1 ${kept.join(' ')}`)
                .replace(/^a=(?:rtpmap|fmtp|rtcp-fb):(\d+).*\r?\n/gm, (line, p: string) =>
                    drop.includes(p) ? '' : line,
                );
        })
        .join('');
}

/**
 * Reads a server's answer: the codec names (`OPUS`, `VP8`, `H264` …: the first payload of each
 * active m-line) and the number of active m-lines on which the server sends media (a player's
 * expected tracks). Undefined when the text is not plausibly SDP (a version line first and at
 * least one m-line).
 */
export function readAnswer(answer: string): [codecs: string[], incoming: number] | undefined {
    const [, ...sections] = sectionsOf(answer);
    if (!/^v=0\r?\n/.test(answer) || !sections[0]) return;
    const codecs: string[] = [];
    let incoming = 0;
    for (const section of sections) {
        const [, port, , first] = section.split(/\s+/);
        // No direction attribute: sendrecv.
        const direction = find(section, '^a=(recvonly|inactive)\\r?$');
        const codec = codecOf(section, first) ?? codecOf(section);
        // Port 0: the server rejected this m-line.
        if (port !== '0') {
            if (codec && direction !== 'inactive') codecs.push(codec);
            if (!direction) incoming++;
        }
    }
    return [codecs, incoming];
}
