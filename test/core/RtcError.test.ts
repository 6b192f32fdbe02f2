import { describe, expect, it } from 'vitest';
import { fromDomException, RtcError, type RtcErrorCode } from '../../src/core/RtcError';

const CODES: RtcErrorCode[] = [
    'ACCESS_DENIED',
    'STREAM_NOT_FOUND',
    'REFUSED',
    'SIGNALING_FAILED',
    'CONNECTION_LOST',
    'TIMEOUT',
    'STREAM_ENDED',
    'MEDIA_FAILED',
    'INVALID_ARGUMENT',
    'INVALID_STATE',
    'NOT_SUPPORTED',
    'ABORTED',
];

describe('RtcError', () => {
    it('is an Error with a name, a code, a message and a stack', () => {
        const e = new RtcError('TIMEOUT', 'no answer');
        expect(e).toBeInstanceOf(Error);
        expect(e).toBeInstanceOf(RtcError);
        expect(e.name).toBe('RtcError');
        expect(e.code).toBe('TIMEOUT');
        expect(e.message).toBe('no answer');
        expect(e.stack).toContain('no answer');
        expect(String(e)).toBe('RtcError: no answer');
        expect('cause' in e).toBe(false);
    });

    it.each(CODES)('%s is retryable by default only if it is CONNECTION_LOST', (code) => {
        expect(new RtcError(code, 'x').retryable).toBe(code === 'CONNECTION_LOST');
    });

    it('retryable can be set either way', () => {
        expect(new RtcError('SIGNALING_FAILED', 'HTTP 503', { retryable: true }).retryable).toBe(true);
        expect(new RtcError('CONNECTION_LOST', 'x', { retryable: false }).retryable).toBe(false);
    });

    it('keeps the cause', () => {
        const cause = new Error('root');
        const e = new RtcError('SIGNALING_FAILED', 'wrapped', { cause });
        expect(e.cause).toBe(cause);
        expect(new RtcError('TIMEOUT', 'x', { cause: 'text' }).cause).toBe('text');
    });

    describe('RtcError.from', () => {
        it('returns an RtcError unchanged', () => {
            const e = new RtcError('REFUSED', 'no');
            expect(RtcError.from(e, 'TIMEOUT')).toBe(e);
        });

        it('wraps an Error with the given code, keeping its message and the cause', () => {
            const cause = new Error('socket hang up');
            const e = RtcError.from(cause, 'CONNECTION_LOST');
            expect(e.code).toBe('CONNECTION_LOST');
            expect(e.message).toBe('socket hang up');
            expect(e.cause).toBe(cause);
            expect(e.retryable).toBe(true);
        });

        it('uses the given message when there is one', () => {
            const cause = new Error('low level');
            const e = RtcError.from(cause, 'SIGNALING_FAILED', 'the offer failed');
            expect(e.message).toBe('the offer failed');
            expect(e.cause).toBe(cause);
        });

        it('defaults to MEDIA_FAILED', () => {
            expect(RtcError.from(new Error('x')).code).toBe('MEDIA_FAILED');
        });

        it('wraps non-Error values', () => {
            const e = RtcError.from('a string', 'SIGNALING_FAILED');
            expect(e).toBeInstanceOf(RtcError);
            expect(e.message).toBe('a string');
            expect(e.cause).toBe('a string');
            expect(RtcError.from(undefined, 'TIMEOUT').code).toBe('TIMEOUT');
            expect(RtcError.from({ weird: true }, 'TIMEOUT')).toBeInstanceOf(RtcError);
        });

        it.each([
            ['NotAllowedError', 'ACCESS_DENIED'],
            ['SecurityError', 'ACCESS_DENIED'],
            ['PermissionDeniedError', 'ACCESS_DENIED'],
            ['NotFoundError', 'MEDIA_FAILED'],
            ['DevicesNotFoundError', 'MEDIA_FAILED'],
            ['NotReadableError', 'MEDIA_FAILED'],
            ['TrackStartError', 'MEDIA_FAILED'],
            ['OverconstrainedError', 'INVALID_ARGUMENT'],
            ['InvalidStateError', 'INVALID_STATE'],
            ['InvalidModificationError', 'INVALID_STATE'],
            ['OperationError', 'MEDIA_FAILED'],
            ['NotSupportedError', 'NOT_SUPPORTED'],
            ['AbortError', 'ABORTED'],
        ] as const)('maps a DOMException %s to %s whatever code is asked', (name, code) => {
            const dom = new DOMException('Permission denied by system', name);
            const e = RtcError.from(dom, 'SIGNALING_FAILED');
            expect(e.code).toBe(code);
            expect(e.message).toBe(`${name}: Permission denied by system`);
            expect(e.cause).toBe(dom);
            expect(e.retryable).toBe(false);
        });

        it('maps DOMException-like plain objects (what older browsers and adapters throw)', () => {
            const like = { name: 'NotAllowedError', message: 'Permission denied' };
            const e = RtcError.from(like);
            expect(e.code).toBe('ACCESS_DENIED');
            expect(e.cause).toBe(like);
            // Chrome's OverconstrainedError has an empty message and a `constraint`.
            const over = { name: 'OverconstrainedError', message: '', constraint: 'width' };
            expect(RtcError.from(over).code).toBe('INVALID_ARGUMENT');
            expect(RtcError.from(over).message).toBe('OverconstrainedError');
        });

        it('does not remap generic errors (Error, TypeError …): the asked code wins', () => {
            // fetch() rejects with a TypeError on network failures; a bug in a listener too.
            expect(RtcError.from(new TypeError('Failed to fetch'), 'CONNECTION_LOST').code).toBe('CONNECTION_LOST');
            expect(RtcError.from(new RangeError('x'), 'TIMEOUT').code).toBe('TIMEOUT');
            expect(RtcError.from(new Error('x'), 'REFUSED').code).toBe('REFUSED');
            expect(RtcError.from({ name: 'SomethingElse', message: 'x' }, 'REFUSED').code).toBe('REFUSED');
            expect(RtcError.from({ name: 42 }, 'REFUSED').code).toBe('REFUSED');
        });
    });

    describe('fromDomException', () => {
        it('returns undefined for what is not a known DOMException', () => {
            expect(fromDomException(null)).toBeUndefined();
            expect(fromDomException('NotAllowedError')).toBeUndefined();
            expect(fromDomException(new Error('x'))).toBeUndefined();
            expect(fromDomException({ name: 'Unknown' })).toBeUndefined();
            expect(fromDomException(undefined)).toBeUndefined();
            expect(fromDomException(42)).toBeUndefined();
        });

        it('does not take an Object.prototype member for a DOMException name', () => {
            for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
                expect(fromDomException({ name })).toBeUndefined();
                expect(RtcError.from({ name, message: 'm' }, 'TIMEOUT').code).toBe('TIMEOUT');
            }
        });

        it('maps a known name', () => {
            expect(fromDomException({ name: 'NotReadableError', message: 'busy' })?.code).toBe('MEDIA_FAILED');
        });
    });
});
