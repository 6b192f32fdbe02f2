import { describe, expect, it } from 'vitest';
import { MAX_TIMED_DATA_LENGTH, readTimedData } from '../../src/data/timedData';

describe('readTimedData', () => {
    it("reads MistServer's JSON items and subtitles (recorded shapes)", () => {
        expect(readTimedData('{"data":{"n":3,"at":1735000000000},"time":61234,"track":5}')).toEqual({
            time: 61_234,
            track: 5,
            data: { n: 3, at: 1_735_000_000_000 },
        });
        expect(readTimedData('{"duration":2500,"time":4000,"track":6,"data":"Hello"}')).toEqual({
            time: 4000,
            track: 6,
            data: 'Hello',
            duration: 2500,
        });
        // Non-JSON tracks come as the packet's own JSON, with `trackid`.
        expect(readTimedData('{"trackid":7,"time":10,"data":"x"}')).toEqual({ time: 10, track: 7, data: 'x' });
        expect(readTimedData('{"time":10,"track":7}')).toEqual({ time: 10, track: 7, data: null });
    });

    it('says why a frame is no item, and never throws', () => {
        expect(readTimedData(new ArrayBuffer(2))).toBe('binary frame');
        expect(readTimedData('x'.repeat(MAX_TIMED_DATA_LENGTH + 1))).toBe('frame too large');
        expect(readTimedData('{"time":')).toBe('malformed JSON');
        expect(readTimedData('[1]')).toBe('not an object');
        expect(readTimedData('null')).toBe('not an object');
        expect(readTimedData('{"time":"soon","track":1}')).toBe('time is not a media time');
        expect(readTimedData('{"time":-1,"track":1}')).toBe('time is not a media time');
        expect(readTimedData('{"time":1,"track":-1}')).toBe('track is not a track index');
        expect(readTimedData('{"time":1,"track":1.5}')).toBe('track is not a track index');
        expect(readTimedData('{"time":1,"track":1e21}')).toBe('track is not a track index');
        expect(readTimedData('{"time":1,"track":"3"}')).toBe('track is not a track index');
    });

    it('a bad duration is dropped, the item kept', () => {
        expect(readTimedData('{"time":1,"track":2,"data":"a","duration":-4}')).toEqual({
            time: 1,
            track: 2,
            data: 'a',
        });
    });
});
