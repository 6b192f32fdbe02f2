/**
 * Just enough RTP payload parsing to relay without transcoding: where keyframes start (to cache the
 * GOP and to switch layers cleanly) and the picture size (for /streams).
 */
import { parseSps } from './h264Sps.ts';

export interface KeyframeInfo {
    width?: number;
    height?: number;
}

/** VP8 (RFC 7741): the packet that starts a keyframe, with its size from the frame header. */
export function vp8Keyframe(p: Buffer): KeyframeInfo | undefined {
    if (p.length < 1) return undefined;
    const b0 = p[0]!;
    const x = b0 & 0x80;
    const s = b0 & 0x10;
    const pid = b0 & 0x07;
    if (!s || pid !== 0) return undefined;
    let i = 1;
    if (x) {
        if (p.length < 2) return undefined;
        const b1 = p[1]!;
        i = 2;
        if (b1 & 0x80) i += p.length > i && p[i]! & 0x80 ? 2 : 1; // I: picture id (7 or 15 bits)
        if (b1 & 0x40) i += 1; // L: TL0PICIDX
        if (b1 & 0x30) i += 1; // T/K: TID/KEYIDX
    }
    if (p.length < i + 10) return undefined;
    if (p[i]! & 0x01) return undefined; // P bit: 1 = interframe
    if (p[i + 3] !== 0x9d || p[i + 4] !== 0x01 || p[i + 5] !== 0x2a) return {};
    return { width: p.readUInt16LE(i + 6) & 0x3fff, height: p.readUInt16LE(i + 8) & 0x3fff };
}

/** H264 (RFC 6184, packetization-mode 1): a packet carrying an SPS or the start of an IDR slice. */
export function h264Keyframe(p: Buffer): KeyframeInfo | undefined {
    if (p.length < 2) return undefined;
    const type = p[0]! & 0x1f;
    const nalTypes: number[] = [];
    let sps: Buffer | undefined;
    if (type === 24) {
        // STAP-A
        let i = 1;
        while (i + 2 < p.length) {
            const size = p.readUInt16BE(i);
            i += 2;
            if (size === 0 || i + size > p.length) break;
            const t = p[i]! & 0x1f;
            nalTypes.push(t);
            if (t === 7) sps = p.subarray(i, i + size);
            i += size;
        }
    } else if (type === 28) {
        // FU-A: start fragment only
        if (p[1]! & 0x80) nalTypes.push(p[1]! & 0x1f);
    } else {
        nalTypes.push(type);
        if (type === 7) sps = p;
    }
    if (!nalTypes.includes(7) && !nalTypes.includes(5)) return undefined;
    if (sps) {
        try {
            return parseSps(sps);
        } catch {
            return {};
        }
    }
    return {};
}

/** VP9 (RFC 9628): a packet that begins a non-inter-predicted frame; size from the scalability structure. */
export function vp9Keyframe(p: Buffer): KeyframeInfo | undefined {
    if (p.length < 1) return undefined;
    const b0 = p[0]!;
    const [iBit, pBit, lBit, fBit, bBit, , vBit] = [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02].map((m) => b0 & m);
    if (pBit || !bBit) return undefined;
    let i = 1;
    if (iBit) i += p.length > i && p[i]! & 0x80 ? 2 : 1;
    if (lBit) i += fBit ? 1 : 2;
    if (!vBit || p.length <= i) return {};
    const ns = (p[i]! >> 5) + 1;
    const y = p[i]! & 0x10;
    i++;
    if (!y || p.length < i + 4 * ns) return {};
    const last = i + 4 * (ns - 1);
    return { width: p.readUInt16BE(last), height: p.readUInt16BE(last + 2) };
}

/** AV1 (RTP payload spec): the N bit marks the first packet of a coded video sequence. */
export function av1Keyframe(p: Buffer): KeyframeInfo | undefined {
    if (p.length < 1) return undefined;
    const z = p[0]! & 0x80;
    const n = p[0]! & 0x08;
    return n && !z ? {} : undefined;
}

export function keyframeDetector(codec: string): (p: Buffer) => KeyframeInfo | undefined {
    switch (codec.toUpperCase()) {
        case 'VP8':
            return vp8Keyframe;
        case 'H264':
            return h264Keyframe;
        case 'VP9':
            return vp9Keyframe;
        case 'AV1':
            return av1Keyframe;
        default:
            return () => undefined;
    }
}
