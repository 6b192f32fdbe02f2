/**
 * Offer analysis and SDP munging for the reference server (pure functions, no werift).
 *
 * The server negotiates exactly ONE codec per media section (the publisher's), so that payload types
 * can be rewritten per player and nothing is ever transcoded. It does that by trimming the client's
 * offer before werift sees it, and by fixing werift's answer afterwards (ICE-lite, DTLS passive,
 * loopback candidates only).
 */
import * as sdpTransform from 'sdp-transform';

export type Kind = 'audio' | 'video';

export interface OfferCodec {
    pt: number;
    name: string; // as written in the offer, e.g. 'VP8', 'H264', 'opus'
    clockRate: number;
    channels?: number;
    fmtp: string;
}

export interface OfferMedia {
    index: number;
    kind: Kind | 'application' | string;
    mid: string;
    direction: string;
    port: number;
    codecs: OfferCodec[];
    /** rids of `a=rid:<id> send` lines, in `a=simulcast` order when present */
    rids: string[];
}

export interface OfferInfo {
    role: 'publish' | 'play';
    media: OfferMedia[];
}

/** Video codecs the server relays, in the order it prefers when the offerer does not say. */
export const VIDEO_CODECS = ['VP8', 'H264', 'VP9', 'AV1'] as const;
export type VideoCodecName = (typeof VIDEO_CODECS)[number];

export const EXT_MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
export const EXT_RID = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
export const EXT_RRID = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';

export function parseFmtp(fmtp: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const part of fmtp.split(';')) {
        const [k, v] = part.split('=');
        if (k && k.trim()) out[k.trim().toLowerCase()] = (v ?? '').trim();
    }
    return out;
}

export function analyzeOffer(sdp: string): OfferInfo {
    if (typeof sdp !== 'string' || !/^v=0/m.test(sdp) || !/^m=/m.test(sdp)) throw new Error('not an SDP offer');
    const parsed = sdpTransform.parse(sdp);
    const media: OfferMedia[] = (parsed.media ?? []).map((m, index) => {
        const fmtps = new Map((m.fmtp ?? []).map((f) => [Number(f.payload), f.config]));
        const codecs: OfferCodec[] = (m.rtp ?? []).map((r) => ({
            pt: Number(r.payload),
            name: r.codec,
            clockRate: Number(r.rate ?? 0),
            ...(r.encoding ? { channels: Number(r.encoding) } : {}),
            fmtp: fmtps.get(Number(r.payload)) ?? '',
        }));
        let rids = (m.rids ?? []).filter((r) => r.direction === 'send').map((r) => String(r.id));
        const sim = (m as { simulcast?: { list1?: string } }).simulcast?.list1;
        if (sim) {
            const order = sim
                .split(';')
                .map((s) => s.split(',')[0]!.replace(/^~/, ''))
                .filter(Boolean);
            rids = [...order.filter((r) => rids.includes(r)), ...rids.filter((r) => !order.includes(r))];
        }
        return {
            index,
            kind: m.type,
            mid: String(m.mid ?? index),
            direction: m.direction ?? parsed.direction ?? 'sendrecv',
            port: m.port,
            codecs,
            rids,
        };
    });
    const av = media.filter((m) => (m.kind === 'audio' || m.kind === 'video') && m.port !== 0);
    if (!av.length) throw new Error('offer has no audio or video');
    const role = av.every((m) => m.direction === 'sendonly') ? 'publish' : 'play';
    return { role, media };
}

function h264Ok(c: OfferCodec): boolean {
    return parseFmtp(c.fmtp)['packetization-mode'] === '1';
}

function codecUsable(c: OfferCodec): boolean {
    const n = c.name.toUpperCase();
    if (n === 'H264') return h264Ok(c);
    if (n === 'VP9') {
        const p = parseFmtp(c.fmtp)['profile-id'];
        return p === undefined || p === '0';
    }
    return true;
}

/** The codec a publisher gets: its own first supported one (offer order). */
export function pickPublishCodec(m: OfferMedia): OfferCodec | undefined {
    if (m.kind === 'audio') return m.codecs.find((c) => c.name.toLowerCase() === 'opus');
    if (m.kind === 'video') {
        return m.codecs.find(
            (c) => (VIDEO_CODECS as readonly string[]).includes(c.name.toUpperCase()) && codecUsable(c),
        );
    }
    return undefined;
}

/** The player's payload type for the publisher's codec (same name; H264: packetization-mode=1, same profile if possible). */
export function pickPlayCodec(m: OfferMedia, source: OfferCodec): OfferCodec | undefined {
    const same = m.codecs.filter((c) => c.name.toUpperCase() === source.name.toUpperCase() && codecUsable(c));
    if (source.name.toUpperCase() === 'H264') {
        const want = (parseFmtp(source.fmtp)['profile-level-id'] ?? '').toLowerCase();
        const exact = same.find((c) => (parseFmtp(c.fmtp)['profile-level-id'] ?? '').toLowerCase() === want);
        const profile = same.find(
            (c) => (parseFmtp(c.fmtp)['profile-level-id'] ?? '').toLowerCase().slice(0, 2) === want.slice(0, 2),
        );
        return exact ?? profile ?? same[0];
    }
    if (source.name.toUpperCase() === 'VP9') {
        const want = parseFmtp(source.fmtp)['profile-id'] ?? '0';
        return same.find((c) => (parseFmtp(c.fmtp)['profile-id'] ?? '0') === want) ?? same[0];
    }
    return same[0];
}

/**
 * Rewrite an offer so that each audio/video section carries exactly the chosen payload type (no RTX,
 * no RED, no FEC), only `nack`, `nack pli`, `ccm fir` and `goog-remb` feedback (werift's transport-cc is
 * broken), and only the header extensions in `keepExt`. Sections without a choice get port 0 (rejected).
 */
export function mungeOffer(sdp: string, choice: Map<number, number | undefined>, keepExt: string[]): string {
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

/** Whether a host candidate on one of the allowed addresses is in the SDP. */
export function hasCandidate(sdp: string, address = '127.0.0.1'): boolean {
    return new RegExp(`^a=candidate:.* ${address.replace(/\./g, '\\.')} \\d+ typ host`, 'm').test(sdp);
}
