/** Picture size from an H264 sequence parameter set (ITU-T H.264 § 7.3.2.1.1), for /streams. */
import type { KeyframeInfo } from './keyframes.ts';

class BitReader {
    private pos = 0;
    constructor(private readonly buf: Buffer) {}
    bit(): number {
        const byte = this.buf[this.pos >> 3];
        if (byte === undefined) throw new Error('eof');
        const v = (byte >> (7 - (this.pos & 7))) & 1;
        this.pos++;
        return v;
    }
    bits(n: number): number {
        let v = 0;
        for (let i = 0; i < n; i++) v = v * 2 + this.bit();
        return v;
    }
    ue(): number {
        let zeros = 0;
        while (this.bit() === 0) if (++zeros > 31) throw new Error('bad ue');
        return (1 << zeros) - 1 + this.bits(zeros);
    }
    se(): number {
        const v = this.ue();
        return v & 1 ? (v + 1) / 2 : -v / 2;
    }
}

/** Width and height from an H264 SPS NAL unit (with its 1-byte header). */
export function parseSps(nal: Buffer): KeyframeInfo {
    // remove emulation prevention bytes
    const bytes: number[] = [];
    for (let i = 1; i < nal.length; i++) {
        if (i + 2 < nal.length && nal[i] === 0 && nal[i + 1] === 0 && nal[i + 2] === 3) {
            bytes.push(0, 0);
            i += 2;
            continue;
        }
        bytes.push(nal[i]!);
    }
    const r = new BitReader(Buffer.from(bytes));
    const profile = r.bits(8);
    r.bits(16);
    r.ue();
    let chroma = 1;
    if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
        chroma = r.ue();
        if (chroma === 3) r.bit();
        r.ue();
        r.ue();
        r.bit();
        if (r.bit()) {
            for (let i = 0; i < (chroma !== 3 ? 8 : 12); i++) {
                if (r.bit()) {
                    const size = i < 6 ? 16 : 64;
                    let last = 8;
                    let next = 8;
                    for (let j = 0; j < size; j++) {
                        if (next !== 0) next = (last + r.se() + 256) % 256;
                        last = next === 0 ? last : next;
                    }
                }
            }
        }
    }
    r.ue();
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
        r.bit();
        r.se();
        r.se();
        const n = r.ue();
        for (let i = 0; i < n; i++) r.se();
    }
    r.ue();
    r.bit();
    const wMbs = r.ue() + 1;
    const hMapUnits = r.ue() + 1;
    const frameMbsOnly = r.bit();
    if (!frameMbsOnly) r.bit();
    r.bit();
    let width = wMbs * 16;
    let height = (2 - frameMbsOnly) * hMapUnits * 16;
    if (r.bit()) {
        const [l, rr, t, b] = [r.ue(), r.ue(), r.ue(), r.ue()];
        const cropX = chroma === 0 ? 1 : 2;
        const cropY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
        width -= (l + rr) * cropX;
        height -= (t + b) * cropY;
    }
    return { width, height };
}
