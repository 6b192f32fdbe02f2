/**
 * Codec choice. The server negotiates exactly ONE codec per media section — the publisher's — so
 * that payload types can be rewritten per player and nothing is ever transcoded.
 */
import type { OfferCodec, OfferMedia } from './offer.ts';

/** Video codecs the server relays, in the order it prefers when the offerer does not say. */
export const VIDEO_CODECS = ['VP8', 'H264', 'VP9', 'AV1'] as const;

export function parseFmtp(fmtp: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const part of fmtp.split(';')) {
        const [k, v] = part.split('=');
        if (k && k.trim()) out[k.trim().toLowerCase()] = (v ?? '').trim();
    }
    return out;
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
