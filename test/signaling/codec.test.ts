import { describe, expect, it } from 'vitest';
import { RtcError } from '../../src/core/RtcError';
import {
    decodeServerMessage,
    encodeClientMessage,
    MAX_FRAME_LENGTH,
    MessageDecodeError,
} from '../../src/signaling/codec';
import type { ServerMessage } from '../../src/signaling/messages';

const ANSWER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n';

function ok(frame: string): ServerMessage {
    const result = decodeServerMessage(frame);
    if (result instanceof MessageDecodeError) throw new Error(`expected ok, got: ${result.message}`);
    return result;
}

function rejected(frame: unknown): string {
    const result = decodeServerMessage(frame);
    if (!(result instanceof MessageDecodeError)) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
    expect(result).toBeInstanceOf(Error);
    expect(result.message.length).toBeGreaterThan(0);
    return result.message;
}

describe('decodeServerMessage: every PROTOCOL.md message', () => {
    it('on_answer_sdp accepted', () => {
        const frame = JSON.stringify({ type: 'on_answer_sdp', result: true, answer_sdp: ANSWER });
        expect(ok(frame)).toEqual({ type: 'on_answer_sdp', result: true, answerSdp: ANSWER });
    });

    it('on_answer_sdp refused, with or without an SDP', () => {
        expect(ok('{"type":"on_answer_sdp","result":false}')).toEqual({ type: 'on_answer_sdp', result: false });
        expect(ok('{"type":"on_answer_sdp","result":false,"answer_sdp":""}')).toEqual({
            type: 'on_answer_sdp',
            result: false,
            answerSdp: '',
        });
    });

    it('on_error with and without command', () => {
        expect(ok('{"type":"on_error","command":"offer_sdp","message":"Stream open failed"}')).toEqual({
            type: 'on_error',
            command: 'offer_sdp',
            message: 'Stream open failed',
        });
        expect(ok('{"type":"on_error","message":"Not allowed"}')).toEqual({ type: 'on_error', message: 'Not allowed' });
    });

    it('on_time nested under data (MistServer)', () => {
        const frame =
            '{"type":"on_time","data":{"begin":0,"current":12345,"end":12400,"jitter":30,"next":12378,' +
            '"play_rate_curr":"auto","tracks":[1,0],"unixoffset":1700000000000}}';
        expect(ok(frame)).toEqual({
            type: 'on_time',
            infos: {
                begin: 0,
                current: 12345,
                end: 12400,
                jitter: 30,
                next: 12378,
                playRate: 'auto',
                tracks: [1, 0],
                unixOffset: 1700000000000,
            },
        });
    });

    it('on_time at top level, numeric strings coerced, optional fields absent', () => {
        const frame =
            '{"type":"on_time","begin":"100","current":"2500","end":3000.5,"tracks":["2","0"],"play_rate_curr":1}';
        const message = ok(frame);
        expect(message).toEqual({
            type: 'on_time',
            infos: { begin: 100, current: 2500, end: 3000.5, tracks: [2, 0], playRate: 1 },
        });
        if (message.type !== 'on_time') throw new Error('narrowing');
        expect('jitter' in message.infos).toBe(false);
        expect('unixOffset' in message.infos).toBe(false);
    });

    it('on_time: both shapes give the same infos', () => {
        const fields = { begin: 0, current: 500, end: 900, jitter: 12, play_rate_curr: 'fast-forward', tracks: [3] };
        const nested = ok(JSON.stringify({ type: 'on_time', data: fields }));
        const flat = ok(JSON.stringify({ type: 'on_time', ...fields }));
        expect(nested).toEqual(flat);
        expect(nested).toMatchObject({ infos: { playRate: 'fast-forward' } });
    });

    it('on_time drops optional fields of the wrong type', () => {
        const message = ok(
            '{"type":"on_time","data":{"begin":0,"current":1,"end":2,"tracks":[],"jitter":"x","play_rate_curr":"weird"}}',
        );
        expect(message).toEqual({ type: 'on_time', infos: { begin: 0, current: 1, end: 2, tracks: [] } });
    });

    it('set_speed', () => {
        expect(ok('{"type":"set_speed","data":{"play_rate_prev":"fast-forward","play_rate_curr":"auto"}}')).toEqual({
            type: 'set_speed',
            infos: { playRate: 'auto', playRatePrev: 'fast-forward' },
        });
        expect(
            ok('{"type":"set_speed","data":{"play_rate_prev":"auto","play_rate_curr":2,"live_point":false}}'),
        ).toEqual({
            type: 'set_speed',
            infos: { playRate: 2, playRatePrev: 'auto', livePoint: false },
        });
    });

    it('seek', () => {
        expect(ok('{"type":"seek","data":{"live_point":true,"play_rate_curr":"auto"}}')).toEqual({
            type: 'seek',
            infos: { livePoint: true, playRate: 'auto' },
        });
        expect(ok('{"type":"seek"}')).toEqual({ type: 'seek', infos: {} });
    });

    it('seek and set_speed refusals carry the error text instead of data', () => {
        expect(ok('{"type":"seek","error":"seek_time missing"}')).toEqual({ type: 'seek', error: 'seek_time missing' });
        expect(ok('{"type":"set_speed","error":"no"}')).toEqual({ type: 'set_speed', error: 'no' });
    });

    it('pause', () => {
        expect(ok('{"type":"pause","paused":true}')).toEqual({ type: 'pause', paused: true });
        expect(ok('{"type":"pause","paused":false}')).toEqual({ type: 'pause', paused: false });
    });

    it('on_video_bitrate', () => {
        expect(
            ok('{"type":"on_video_bitrate","result":true,"video_bitrate":800000,"video_bitrate_constraint":2500000}'),
        ).toEqual({ type: 'on_video_bitrate', videoBitrate: 800000, constraint: 2500000 });
    });

    it('on_rtp_props', () => {
        expect(ok('{"type":"on_rtp_props","result":true,"nack":100,"drop":500}')).toEqual({
            type: 'on_rtp_props',
            nack: 100,
            drop: 500,
        });
    });

    it('on_keyframe_interval', () => {
        expect(ok('{"type":"on_keyframe_interval","result":2000}')).toEqual({
            type: 'on_keyframe_interval',
            interval: 2000,
        });
    });

    it('on_media_receive', () => {
        const frame =
            '{"type":"on_media_receive","millis":61234,"tracks":["H264","opus"],' +
            '"stats":{"jitter_ms":12,"loss_num":3,"loss_perc":0.4,"nack_num":7}}';
        expect(ok(frame)).toEqual({
            type: 'on_media_receive',
            report: {
                millis: 61234,
                tracks: ['H264', 'opus'],
                stats: { jitterMs: 12, lossNum: 3, lossPerc: 0.4, nackNum: 7 },
            },
        });
        expect(ok('{"type":"on_media_receive","millis":1,"tracks":[]}')).toEqual({
            type: 'on_media_receive',
            report: { millis: 1, tracks: [], stats: {} },
        });
    });

    it('on_track_drop (track index as a string)', () => {
        expect(ok('{"type":"on_track_drop","track":"2","mediatype":"video"}')).toEqual({
            type: 'on_track_drop',
            track: 2,
            mediaType: 'video',
        });
    });

    it('on_stop', () => {
        expect(ok('{"type":"on_stop","data":{"begin":0,"current":90000,"end":90000}}')).toEqual({
            type: 'on_stop',
            infos: { begin: 0, current: 90000, end: 90000 },
        });
        expect(ok('{"type":"on_stop"}')).toEqual({ type: 'on_stop', infos: {} });
    });

    it('warning', () => {
        expect(ok('{"type":"warning","warning":"Fast-forward not possible"}')).toEqual({
            type: 'warning',
            text: 'Fast-forward not possible',
        });
    });

    it('numbers: numeric strings are coerced, other strings are not numbers', () => {
        expect(ok('{"type":"on_rtp_props","nack":" 12 ","drop":"1e3"}')).toEqual({
            type: 'on_rtp_props',
            nack: 12,
            drop: 1000,
        });
        for (const bad of ['""', '" "', '"0x10"', '"5px"', '"1_0"', 'null', 'true', '[1]']) {
            expect(rejected(`{"type":"on_rtp_props","nack":${bad},"drop":1}`)).toMatch(/'nack'/);
        }
    });

    it('booleans: true / false, or 1 / 0', () => {
        expect(ok('{"type":"pause","paused":1}')).toEqual({ type: 'pause', paused: true });
        expect(ok('{"type":"pause","paused":0}')).toEqual({ type: 'pause', paused: false });
        for (const bad of ['2', '"1"', 'null'])
            expect(rejected(`{"type":"pause","paused":${bad}}`)).toMatch(/'paused'/);
    });

    it('camelCase spellings of lower-case wire names are accepted', () => {
        expect(ok('{"type":"on_track_drop","track":1,"mediaType":"audio"}')).toEqual({
            type: 'on_track_drop',
            track: 1,
            mediaType: 'audio',
        });
        expect(ok('{"type":"on_time","begin":0,"current":1,"end":2,"tracks":[],"unixOffset":5}')).toMatchObject({
            infos: { unixOffset: 5 },
        });
    });

    it('on_media_receive ignores a stats field that is not an object', () => {
        expect(ok('{"type":"on_media_receive","millis":1,"tracks":[],"stats":null}')).toEqual({
            type: 'on_media_receive',
            report: { millis: 1, tracks: [], stats: {} },
        });
    });

    it('extra unknown fields are ignored', () => {
        expect(ok('{"type":"pause","paused":true,"extra":{"a":1}}')).toEqual({ type: 'pause', paused: true });
    });
});

describe('decodeServerMessage: rejections (never throws)', () => {
    it('binary frames: Buffer, ArrayBuffer, typed array, Blob', () => {
        expect(rejected(Buffer.from('{"type":"pause","paused":true}'))).toMatch(/binary/);
        expect(rejected(new ArrayBuffer(8))).toMatch(/binary/);
        expect(rejected(new Uint8Array([123, 125]))).toMatch(/binary/);
        expect(rejected(new Blob(['{}']))).toMatch(/binary/);
    });

    it('other non-string data', () => {
        for (const value of [undefined, null, 42, true, { type: 'pause', paused: true }, ['x']]) rejected(value);
    });

    it('malformed JSON', () => {
        for (const frame of ['', '{', '{"type":"pause",}', 'not json', '{"type":"on_time"']) {
            expect(rejected(frame)).toMatch(/malformed JSON/);
        }
    });

    it('JSON that is not an object', () => {
        for (const frame of ['null', '42', '"on_time"', '[{"type":"pause","paused":true}]', 'true']) {
            expect(rejected(frame)).toBe('no type');
        }
    });

    it('missing or non-string type', () => {
        for (const frame of [
            '{}',
            '{"paused":true}',
            '{"type":3}',
            '{"type":""}',
            '{"type":null}',
            '{"type":["pause"]}',
        ]) {
            expect(rejected(frame)).toBe('no type');
        }
    });

    it('unknown types', () => {
        const reason = rejected('{"type":"on_something_new","value":1}');
        expect(reason).toMatch(/^unknown type 'on_something_new'/);
        // WSController logs an unknown type at debug level, any other rejection as a warning.
        expect(decodeServerMessage('{"type":"on_something_new"}')).toMatchObject({ unknownType: true });
        expect(decodeServerMessage('{"type":"pause"}')).toMatchObject({ unknownType: false });
        expect(rejected('{"type":"pause"}')).not.toMatch(/^unknown/);
        // Inherited Object properties are not types.
        expect(rejected('{"type":"toString"}')).toMatch(/unknown type/);
        expect(rejected('{"type":"__proto__"}')).toMatch(/unknown type/);
    });

    it('a frame over 1 MB is rejected before parsing', () => {
        const big = JSON.stringify({ type: 'warning', warning: 'x'.repeat(MAX_FRAME_LENGTH) });
        expect(big.length).toBeGreaterThan(MAX_FRAME_LENGTH);
        const parse = JSON.parse;
        let parsed = 0;
        JSON.parse = ((text: string) => {
            parsed++;
            return parse(text);
        }) as typeof JSON.parse;
        try {
            expect(rejected(big)).toMatch(/too large/);
        } finally {
            JSON.parse = parse;
        }
        expect(parsed).toBe(0);
        // Just under the limit is fine.
        const fits = JSON.stringify({ type: 'warning', warning: 'x'.repeat(MAX_FRAME_LENGTH - 40) });
        expect(fits.length).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
        expect(ok(fits).type).toBe('warning');
    });

    it.each([
        ['on_answer_sdp without result', '{"type":"on_answer_sdp","answer_sdp":"v=0"}', /'result' is missing/],
        [
            'on_answer_sdp result not a boolean',
            '{"type":"on_answer_sdp","result":"yes","answer_sdp":"v=0"}',
            /'result'/,
        ],
        ['on_answer_sdp accepted without sdp', '{"type":"on_answer_sdp","result":true}', /'answer_sdp' is missing/],
        ['on_answer_sdp sdp not a string', '{"type":"on_answer_sdp","result":true,"answer_sdp":5}', /'answer_sdp'/],
        ['on_error without message', '{"type":"on_error","command":"offer_sdp"}', /'message'/],
        ['on_time without tracks', '{"type":"on_time","data":{"begin":0,"current":1,"end":2}}', /'tracks'/],
        [
            'on_time tracks not an array',
            '{"type":"on_time","data":{"begin":0,"current":1,"end":2,"tracks":"1"}}',
            /'tracks'/,
        ],
        [
            'on_time bad track index',
            '{"type":"on_time","data":{"begin":0,"current":1,"end":2,"tracks":["a"]}}',
            /'tracks'/,
        ],
        [
            'on_time current not numeric',
            '{"type":"on_time","data":{"begin":0,"current":"soon","end":2,"tracks":[]}}',
            /'current'/,
        ],
        ['on_time without end', '{"type":"on_time","begin":0,"current":1,"tracks":[]}', /'end'/],
        ['set_speed without rate', '{"type":"set_speed","data":{"play_rate_prev":"auto"}}', /'play_rate_curr'/],
        ['pause without paused', '{"type":"pause"}', /'paused'/],
        ['pause paused a string', '{"type":"pause","paused":"true"}', /'paused'/],
        ['on_video_bitrate without constraint', '{"type":"on_video_bitrate","video_bitrate":1}', /constraint/],
        [
            'on_video_bitrate bitrate not numeric',
            '{"type":"on_video_bitrate","video_bitrate":{},"video_bitrate_constraint":1}',
            /'video_bitrate'/,
        ],
        ['on_rtp_props without drop', '{"type":"on_rtp_props","nack":1}', /'drop'/],
        ['on_keyframe_interval result not numeric', '{"type":"on_keyframe_interval","result":true}', /'result'/],
        ['on_media_receive tracks not strings', '{"type":"on_media_receive","millis":1,"tracks":[1]}', /'tracks'/],
        ['on_media_receive without millis', '{"type":"on_media_receive","tracks":[]}', /'millis'/],
        ['on_track_drop without mediatype', '{"type":"on_track_drop","track":1}', /'mediatype'/i],
        ['on_track_drop track not numeric', '{"type":"on_track_drop","track":"x","mediatype":"audio"}', /'track'/],
        ['warning without text', '{"type":"warning"}', /'warning'/],
        ['NaN-like numbers', '{"type":"on_rtp_props","nack":"NaN","drop":"Infinity"}', /'nack'/],
    ])('%s', (_name, frame, reason) => {
        expect(rejected(frame)).toMatch(reason);
    });
});

describe('encodeClientMessage', () => {
    it('encodes the wire shape as JSON and round-trips', () => {
        const messages = [
            { type: 'offer_sdp', offer_sdp: 'v=0\r\n' },
            { type: 'video_bitrate', video_bitrate: 800000 },
            { type: 'rtp_props', nack: 100 },
            { type: 'keyframe_interval', keyframe_interval_millis: 2000 },
            { type: 'tracks', audio: 'none', video: '2' },
            { type: 'seek', seek_time: 1000 },
            { type: 'set_speed', play_rate: 0 },
            { type: 'stop' },
        ] as const;
        for (const message of messages) expect(JSON.parse(encodeClientMessage(message))).toEqual(message);
    });

    it('omits undefined optional fields', () => {
        expect(encodeClientMessage({ type: 'rtp_props', nack: undefined, drop: 5 })).toBe(
            '{"type":"rtp_props","drop":5}',
        );
    });

    it('throws INVALID_ARGUMENT for an unserialisable message', () => {
        const cyclic: Record<string, unknown> = { type: 'custom' };
        cyclic.self = cyclic;
        for (const bad of [cyclic, { type: 'custom', n: 10n }]) {
            let error: unknown;
            try {
                encodeClientMessage(bad as never);
            } catch (e) {
                error = e;
            }
            expect(error).toBeInstanceOf(RtcError);
            expect((error as RtcError).code).toBe('INVALID_ARGUMENT');
        }
    });
});
