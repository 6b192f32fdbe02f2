/** Fixtures and readers shared by the SDP tests: they read SDP through sdp-transform, as src/sdp does. */
import { parse, type MediaDescription, type SessionDescription } from 'sdp-transform';
import { expect } from 'vitest';
import { chromeLikeOffer } from '../fakes/FakePeerConnection';
import {
    CHROMIUM_RECVONLY_OFFER,
    CHROMIUM_SENDONLY_OFFER,
    CHROMIUM_SIMULCAST_OFFER,
    CHROMIUM_INACTIVE_VIDEO_ANSWER,
    CHROMIUM_REJECTED_VIDEO_ANSWER,
    CHROMIUM_WHEP_ANSWER,
    CHROMIUM_WHIP_ANSWER,
} from '../fixtures/chromium-sdp';
import {
    FIREFOX_RECVONLY_OFFER,
    MIST_PLAY_ANSWER_H264,
    MIST_PLAY_ANSWER_VIDEO_ONLY,
    SAFARI_SENDONLY_OFFER,
} from '../fixtures/sdp';

const transceiver = (kind: string, direction: string, mid: string) => ({ kind, direction, mid });

/** The fake peer connection's Chrome-like offers (Opus; VP8, VP9, H264 in modes 1 and 0, each with RTX). */
export const CHROME_RECVONLY = chromeLikeOffer([
    transceiver('audio', 'recvonly', '0'),
    transceiver('video', 'recvonly', '1'),
]);
export const CHROME_SENDONLY = chromeLikeOffer([
    transceiver('audio', 'sendonly', '0'),
    transceiver('video', 'sendonly', '1'),
]);
/** CHROME_SENDONLY with both H264 payloads in packetization mode 1: the H264 edit drops nothing. */
export const CHROME_SENDONLY_MODE1 = CHROME_SENDONLY.replace('packetization-mode=0', 'packetization-mode=1');

/** Every browser offer the tests know, real captures first. */
export const OFFERS: [name: string, sdp: string][] = [
    ['chromium sendonly', CHROMIUM_SENDONLY_OFFER],
    ['chromium recvonly', CHROMIUM_RECVONLY_OFFER],
    ['chromium simulcast', CHROMIUM_SIMULCAST_OFFER],
    ['firefox recvonly', FIREFOX_RECVONLY_OFFER],
    ['safari sendonly', SAFARI_SENDONLY_OFFER],
    ['chrome-like recvonly', CHROME_RECVONLY],
    ['chrome-like sendonly', CHROME_SENDONLY],
];

/** Every answer the tests know. */
export const ANSWERS: [name: string, sdp: string][] = [
    ['chromium whep', CHROMIUM_WHEP_ANSWER],
    ['chromium whip', CHROMIUM_WHIP_ANSWER],
    ['chromium inactive video', CHROMIUM_INACTIVE_VIDEO_ANSWER],
    ['chromium rejected video', CHROMIUM_REJECTED_VIDEO_ANSWER],
    ['mist h264', MIST_PLAY_ANSWER_H264],
    ['mist video only', MIST_PLAY_ANSWER_VIDEO_ONLY],
];

/** The first m-line of `type`. */
export function mediaOf(sdp: string | SessionDescription, type: 'audio' | 'video'): MediaDescription {
    const session = typeof sdp === 'string' ? parse(sdp) : sdp;
    const media = session.media.find((m) => m.type === type);
    if (!media) throw new Error(`no ${type} m-line`);
    return media;
}

/** The payload types on the m= line of the first m-line of `type`, in order. */
export function payloadsOf(sdp: string | SessionDescription, type: 'audio' | 'video'): number[] {
    return String(mediaOf(sdp, type).payloads).split(' ').map(Number);
}

/** The `a=fmtp` parameters of `payload` in the first m-line of `type`. */
export function fmtpOf(sdp: string | SessionDescription, type: 'audio' | 'video', payload: number): string | undefined {
    return mediaOf(sdp, type).fmtp.find((f) => f.payload === payload)?.config;
}

/** The payload types of the first m-line of `type` whose rtpmap names `codec`. */
export function payloadsOfCodec(sdp: string | SessionDescription, type: 'audio' | 'video', codec: string): number[] {
    return mediaOf(sdp, type)
        .rtp.filter((r) => r.codec.toUpperCase() === codec)
        .map((r) => r.payload);
}

/** Every payload-scoped attribute of an m-line refers to a payload of its m= line, and each has an rtpmap. */
export function expectConsistentPayloads(sdp: string | SessionDescription): void {
    const session = typeof sdp === 'string' ? parse(sdp) : sdp;
    for (const m of session.media) {
        if (m.port === 0) continue;
        const list = new Set(String(m.payloads).split(' ').map(Number));
        for (const r of m.rtp) expect(list.has(r.payload)).toBe(true);
        for (const f of m.fmtp) expect(list.has(f.payload)).toBe(true);
        for (const fb of m.rtcpFb ?? []) if (fb.payload !== '*') expect(list.has(Number(fb.payload))).toBe(true);
        expect(m.rtp.length).toBe(list.size);
    }
}

/** `value`, frozen all the way down: an edit that writes to it throws (test modules are strict). */
export function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null) {
        for (const child of Object.values(value)) deepFreeze(child);
        Object.freeze(value);
    }
    return value;
}
