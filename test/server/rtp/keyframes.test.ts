// Keyframe detection and picture sizes from RTP payloads (VP8, H264, VP9, AV1).
import { describe, expect, it } from 'vitest';
import { parseSps } from '../../../demo/server/rtp/h264Sps.ts';
import {
    av1Keyframe,
    h264Keyframe,
    keyframeDetector,
    vp8Keyframe,
    vp9Keyframe,
} from '../../../demo/server/rtp/keyframes.ts';
import { vp8Payload } from '../helpers.ts';

describe('keyframe detection', () => {
    it('finds VP8 keyframes and their size', () => {
        const key = Buffer.from([0x90, 0x80, 0x05, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
        expect(vp8Keyframe(key)).toEqual({ width: 640, height: 480 });
        const delta = Buffer.from([0x90, 0x80, 0x05, 0x01, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
        expect(vp8Keyframe(delta)).toBeUndefined();
        const middle = Buffer.from([0x80, 0x80, 0x05, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
        expect(vp8Keyframe(middle)).toBeUndefined();
        expect(vp8Keyframe(Buffer.alloc(0))).toBeUndefined();
    });

    it('finds H264 keyframes and reads the SPS size', () => {
        // SPS sent by Chromium's OpenH264 encoder for its fake camera at 640x360 (cropped from 368)
        const sps = Buffer.from('6742c01f8c8d405017fcb35060606078442350', 'hex');
        expect(parseSps(sps)).toEqual({ width: 640, height: 360 });
        expect(h264Keyframe(sps)).toEqual({ width: 640, height: 360 });
        const stapA = Buffer.concat([
            Buffer.from([0x78, 0x00, sps.length]),
            sps,
            Buffer.from([0x00, 0x02, 0x68, 0xce]),
        ]);
        expect(h264Keyframe(stapA)).toEqual({ width: 640, height: 360 });
        expect(h264Keyframe(Buffer.from([0x7c, 0x85, 0x00]))).toEqual({}); // FU-A start of IDR
        expect(h264Keyframe(Buffer.from([0x7c, 0x05, 0x00]))).toBeUndefined(); // FU-A middle
        expect(h264Keyframe(Buffer.from([0x41, 0x9a]))).toBeUndefined(); // non-IDR slice
        expect(h264Keyframe(Buffer.from([0x67]))).toBeUndefined();
    });
});

describe('keyframe detection (VP9, AV1)', () => {
    it('finds VP9 keyframes and reads the scalability structure size', () => {
        // I (15-bit picture id), B, V; SS with one spatial layer and Y: 640x360
        const key = Buffer.from([0x8a, 0x80, 0x01, 0x10, 0x02, 0x80, 0x01, 0x68, 0x00]);
        expect(vp9Keyframe(key)).toEqual({ width: 640, height: 360 });
        expect(vp9Keyframe(Buffer.from([0xca, 0x80, 0x01]))).toBeUndefined(); // P set: inter frame
        expect(vp9Keyframe(Buffer.from([0x84, 0x80, 0x01]))).toBeUndefined(); // not a frame start
    });

    it('finds AV1 coded video sequence starts', () => {
        expect(av1Keyframe(Buffer.from([0x18, 0x0a]))).toEqual({});
        expect(av1Keyframe(Buffer.from([0x10, 0x0a]))).toBeUndefined();
        expect(av1Keyframe(Buffer.from([0x98, 0x0a]))).toBeUndefined(); // Z: continuation
    });
});

describe('keyframe detector per codec', () => {
    it('matches the codec name case-insensitively; audio and unknown codecs have no keyframes', () => {
        expect(keyframeDetector('vp8')(vp8Payload('key'))).toEqual({ width: 640, height: 480 });
        expect(keyframeDetector('VP8')(vp8Payload('delta'))).toBeUndefined();
        expect(keyframeDetector('opus')(vp8Payload('key'))).toBeUndefined();
        expect(keyframeDetector('h264')(Buffer.from([0x65, 0x88]))).toEqual({}); // IDR slice
    });
});
