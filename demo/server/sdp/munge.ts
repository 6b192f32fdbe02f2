/**
 * SDP rewriting around werift: the client's offer is trimmed before werift sees it (one codec per
 * section, the feedback and header extensions the relay supports), and werift's answer is fixed
 * afterwards (ICE-lite, DTLS passive, loopback candidates only).
 */
import * as sdpTransform from 'sdp-transform';

/** Header extensions a publisher keeps: they route simulcast layers to their transceiver. */
export const EXT_MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
export const EXT_RID = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';

/**
 * Rewrite an offer so that each audio/video section carries exactly the chosen payload type (no RTX,
 * no RED, no FEC), only `nack`, `nack pli`, `ccm fir` and `goog-remb` feedback (werift's transport-cc is
 * broken), and only the header extensions in `keepExt`. Sections without a choice get port 0 (rejected);
 * chosen bundle-only sections get port 9 (werift would read their port 0 as rejected).
 */
export function mungeOffer(
    sdp: string,
    choice: Map<number, number | undefined>,
    keepExt: string[],
    /** Sections answered inactive: their chosen payload is kept, nothing is ever sent on them. */
    inactive: ReadonlySet<number> = new Set(),
): string {
    const parsed = sdpTransform.parse(sdp);
    parsed.media.forEach((m, i) => {
        if (m.type !== 'audio' && m.type !== 'video') return;
        const pt = choice.get(i);
        delete (m as { candidates?: unknown }).candidates;
        delete (m as { endOfCandidates?: unknown }).endOfCandidates;
        if (pt === undefined) {
            m.port = 0;
            m.rtp = (m.rtp ?? []).slice(0, 1);
            m.payloads = m.rtp[0] ? String(m.rtp[0].payload) : '0';
            m.fmtp = [];
            m.rtcpFb = [];
            m.ext = [];
            delete (m as { simulcast?: unknown }).simulcast;
            delete (m as { rids?: unknown }).rids;
            return;
        }
        // werift reads port 0 as rejected and knows nothing of a=bundle-only: a bundle-only section
        // (port 0, RFC 8843 §6) is given the placeholder port of the other BUNDLEd sections.
        if (m.bundleOnly !== undefined) {
            m.port = m.port || 9;
            delete m.bundleOnly;
        }
        m.rtp = (m.rtp ?? []).filter((r) => r.payload === pt);
        m.fmtp = (m.fmtp ?? []).filter((f) => f.payload === pt);
        m.rtcpFb = (m.rtcpFb ?? []).filter(
            (f) =>
                (String(f.payload) === String(pt) || f.payload === '*') &&
                ((f.type === 'nack' && (!f.subtype || f.subtype === 'pli')) ||
                    (f.type === 'ccm' && f.subtype === 'fir') ||
                    f.type === 'goog-remb'),
        );
        if (m.type === 'audio') m.rtcpFb = [];
        m.payloads = String(pt);
        m.ext = (m.ext ?? []).filter((e) => keepExt.includes(e.uri));
        if (inactive.has(i)) m.direction = 'inactive';
        // RTX is gone: drop FID groups and the RTX ssrcs they name
        const groups = (m.ssrcGroups ?? []).filter((g) => g.semantics === 'FID');
        const rtxSsrcs = new Set(groups.map((g) => Number(g.ssrcs.split(' ')[1])));
        m.ssrcGroups = (m.ssrcGroups ?? []).filter((g) => g.semantics !== 'FID');
        if (!m.ssrcGroups.length) delete m.ssrcGroups;
        if (m.ssrcs) m.ssrcs = m.ssrcs.filter((s) => !rtxSsrcs.has(Number(s.id)));
    });
    return sdpTransform.write(parsed);
}

/** Make werift's answer what the protocol promises: ICE-lite, DTLS passive, only 127.0.0.1 candidates. */
export function fixAnswer(sdp: string, allowedAddresses: string[] = ['127.0.0.1']): string {
    const parsed = sdpTransform.parse(sdp);
    (parsed as { icelite?: string }).icelite = 'ice-lite';
    for (const m of parsed.media) {
        if (m.setup) m.setup = 'passive';
        if (m.candidates) {
            m.candidates = m.candidates.filter(
                (c) => allowedAddresses.includes(c.ip) && String(c.transport).toLowerCase() === 'udp',
            );
        }
        if (m.port !== 0) {
            (m as { endOfCandidates?: string }).endOfCandidates = 'end-of-candidates';
        }
        if (m.type === 'video' && m.port !== 0 && m.direction === 'recvonly') setStartBitrate(m, 1500);
    }
    return sdpTransform.write(parsed);
}

/**
 * Publisher answers carry `x-google-start-bitrate` (kbps) on the video codec. Chrome sizes its first
 * frames from its start estimate (300 kbps by default: a 720p camera then starts at 640 px wide)
 * and, with the REMB-only feedback this server gives (werift's transport-cc is broken), scales back
 * up slowly. Measured here: 640 px / ~320 kbps without it, 960 px / ~500 kbps with it after 8 s.
 */
function setStartBitrate(m: sdpTransform.MediaDescription, kbps: number): void {
    const pt = Number(String(m.payloads ?? '').split(' ')[0]);
    if (!Number.isFinite(pt)) return;
    const param = `x-google-start-bitrate=${kbps}`;
    const fmtp = m.fmtp.find((f) => f.payload === pt);
    if (fmtp) {
        if (!fmtp.config.includes('x-google-start-bitrate')) fmtp.config += `;${param}`;
    } else {
        m.fmtp.push({ payload: pt, config: param });
    }
}
