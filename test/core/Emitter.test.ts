import { describe, expect, it, vi } from 'vitest';
import { Emitter, handlerName, type EventHandlers, type EventMap, type EventName } from '../../src/core/Emitter';
import type { Logger } from '../../src/core/logger';
import { flush } from '../helpers/wait';

interface TestEvents extends EventMap {
    open: [stream: string];
    close: [error?: Error];
    videoBitrate: [bitrate: number, constraint: number];
    rtpProps: [props: { nack: number; drop: number }];
    mediaReport: [report: object];
}

/** A test emitter exposing emission; the interface merge types its property handlers. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed property handlers
class TestEmitter extends Emitter<TestEvents> {
    constructor(logger?: Logger) {
        super();
        if (logger) this._log = logger;
    }
    fire<K extends EventName<TestEvents>>(event: K, ...args: TestEvents[K]): void {
        this._emit(event, ...args);
    }
    fireNow<K extends EventName<TestEvents>>(event: K, ...args: TestEvents[K]): void {
        this._emitNow(event, ...args);
    }
}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- typed property handlers
interface TestEmitter extends EventHandlers<TestEvents> {}

function spyLogger(): Logger & { error: ReturnType<typeof vi.fn> } {
    return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

describe('Emitter', () => {
    it('calls the property handler and the subscriptions, handler first', async () => {
        const e = new TestEmitter();
        const calls: string[] = [];
        e.on('open', (s) => calls.push(`on:${s}`));
        e.onOpen = (s) => calls.push(`handler:${s}`);
        e.on('open', (s) => calls.push(`on2:${s}`));
        e.fire('open', 'x');
        await flush();
        expect(calls).toEqual(['handler:x', 'on:x', 'on2:x']);
    });

    it('passes every argument and binds `this` to the emitter', async () => {
        const e = new TestEmitter();
        const selves: unknown[] = [];
        const seen: unknown[] = [];
        e.on('videoBitrate', function (this: unknown, bitrate, constraint) {
            selves.push(this);
            seen.push(bitrate, constraint);
        });
        e.fire('videoBitrate', 500_000, 800_000);
        await flush();
        expect(seen).toEqual([500_000, 800_000]);
        expect(selves).toEqual([e]);
        expect(selves[0]).toBe(e);
    });

    it('emits asynchronously, never inside the call that caused the event', async () => {
        const e = new TestEmitter();
        const fn = vi.fn();
        const handler = vi.fn();
        e.on('open', fn);
        e.onOpen = handler;
        e.fire('open', 'x');
        expect(fn).not.toHaveBeenCalled();
        expect(handler).not.toHaveBeenCalled();
        await Promise.resolve();
        expect(fn).toHaveBeenCalledWith('x');
        expect(handler).toHaveBeenCalledWith('x');
    });

    it('sees listeners attached right after the causing call', async () => {
        const e = new TestEmitter();
        e.fire('open', 'early');
        const fn = vi.fn();
        e.on('open', fn);
        e.onClose = vi.fn();
        await flush();
        expect(fn).toHaveBeenCalledWith('early');
    });

    it('keeps the order of emissions', async () => {
        const e = new TestEmitter();
        const order: string[] = [];
        e.on('open', (s) => order.push(s));
        e.on('close', () => order.push('close'));
        e.fire('open', 'a');
        e.fire('close');
        e.fire('open', 'b');
        await flush();
        expect(order).toEqual(['a', 'close', 'b']);
    });

    it('a property handler can be replaced and cleared', async () => {
        const e = new TestEmitter();
        const first = vi.fn();
        const second = vi.fn();
        e.onOpen = first;
        e.onOpen = second;
        e.fire('open', 'x');
        await flush();
        expect(first).not.toHaveBeenCalled();
        expect(second).toHaveBeenCalledTimes(1);
        e.onOpen = undefined;
        e.fire('open', 'y');
        await flush();
        expect(second).toHaveBeenCalledTimes(1);
    });

    it('once(event, fn) calls fn for the first emission only', async () => {
        const e = new TestEmitter();
        const fn = vi.fn();
        const result = e.once('open', fn);
        expect(result).toBe(e);
        expect(e.listenerCount('open')).toBe(1);
        e.fire('open', 'a');
        e.fire('open', 'b');
        await flush();
        expect(fn).toHaveBeenCalledTimes(1);
        expect(fn).toHaveBeenCalledWith('a');
        expect(e.listenerCount('open')).toBe(0);
    });

    it('once(event, fn) with several listeners: each fires once, `on` listeners keep firing', async () => {
        const e = new TestEmitter();
        const a = vi.fn();
        const b = vi.fn();
        const always = vi.fn();
        e.once('open', a);
        e.on('open', always);
        e.once('open', b);
        e.fire('open', '1');
        e.fire('open', '2');
        await flush();
        expect(a).toHaveBeenCalledTimes(1);
        expect(b).toHaveBeenCalledTimes(1);
        expect(always).toHaveBeenCalledTimes(2);
    });

    it('once(event) without a listener resolves with the first argument', async () => {
        const e = new TestEmitter();
        const p = e.once('open');
        expect(p).toBeInstanceOf(Promise);
        e.fire('open', 'stream');
        await expect(p).resolves.toBe('stream');
        expect(e.listenerCount('open')).toBe(0);
    });

    it('once(event) resolves with undefined for events without arguments', async () => {
        const e = new TestEmitter();
        const p = e.once('close');
        e.fire('close');
        await expect(p).resolves.toBeUndefined();
    });

    it('once(event) is rejected with the reason when the signal aborts, and unsubscribes', async () => {
        const e = new TestEmitter();
        const ac = new AbortController();
        const p = e.once('open', undefined, { signal: ac.signal });
        expect(e.listenerCount('open')).toBe(1);
        const reason = new Error('gave up');
        ac.abort(reason);
        await expect(p).rejects.toBe(reason);
        expect(e.listenerCount('open')).toBe(0);
    });

    it('once(event) with an already aborted signal rejects at once and subscribes nothing', async () => {
        const e = new TestEmitter();
        const ac = new AbortController();
        ac.abort(new Error('already'));
        await expect(e.once('open', undefined, { signal: ac.signal })).rejects.toThrow('already');
        expect(e.listenerCount('open')).toBe(0);
    });

    it('once(event) resolved before the abort is not affected by a later abort', async () => {
        const e = new TestEmitter();
        const ac = new AbortController();
        const p = e.once('open', undefined, { signal: ac.signal });
        e.fire('open', 'ok');
        await expect(p).resolves.toBe('ok');
        ac.abort();
        await flush();
    });

    it('{ signal } unsubscribes on() and once() listeners', async () => {
        const e = new TestEmitter();
        const ac = new AbortController();
        const on = vi.fn();
        const once = vi.fn();
        const kept = vi.fn();
        e.on('open', on, { signal: ac.signal });
        e.once('open', once, { signal: ac.signal });
        e.on('open', kept);
        expect(e.listenerCount('open')).toBe(3);
        ac.abort();
        expect(e.listenerCount('open')).toBe(1);
        e.fire('open', 'x');
        await flush();
        expect(on).not.toHaveBeenCalled();
        expect(once).not.toHaveBeenCalled();
        expect(kept).toHaveBeenCalledTimes(1);
    });

    it('an already aborted signal subscribes nothing', () => {
        const e = new TestEmitter();
        e.on('open', vi.fn(), { signal: AbortSignal.abort() });
        e.once('open', vi.fn(), { signal: AbortSignal.abort() });
        expect(e.listenerCount('open')).toBe(0);
    });

    it('aborting after a signal listener was removed with off() is harmless', async () => {
        const e = new TestEmitter();
        const ac = new AbortController();
        const fn = vi.fn();
        e.on('open', fn, { signal: ac.signal });
        e.off('open', fn);
        ac.abort();
        e.fire('open', 'x');
        await flush();
        expect(fn).not.toHaveBeenCalled();
    });

    it('the same listener subscribed twice is two subscriptions: aborting one keeps the other', async () => {
        const e = new TestEmitter();
        const first = new AbortController();
        const fn = vi.fn();
        e.on('open', fn, { signal: first.signal });
        e.on('open', fn, { signal: new AbortController().signal });
        first.abort();
        expect(e.listenerCount('open')).toBe(1);
        e.fire('open', 'x');
        await flush();
        expect(fn).toHaveBeenCalledTimes(1);
        // off(event, fn) removes every subscription of fn.
        e.on('open', fn).off('open', fn);
        expect(e.listenerCount('open')).toBe(0);
    });

    it('off(event, fn) removes that listener; off(event) removes all of the event', async () => {
        const e = new TestEmitter();
        const a = vi.fn();
        const b = vi.fn();
        const c = vi.fn();
        e.on('open', a).on('open', b).on('close', c);
        e.off('open', a);
        e.fire('open', '1');
        await flush();
        expect(a).not.toHaveBeenCalled();
        expect(b).toHaveBeenCalledTimes(1);
        e.off('open');
        e.fire('open', '2');
        e.fire('close');
        await flush();
        expect(b).toHaveBeenCalledTimes(1);
        expect(c).toHaveBeenCalledTimes(1);
    });

    it('off() removes a once() listener before it fires', async () => {
        const e = new TestEmitter();
        const fn = vi.fn();
        e.once('open', fn);
        e.off('open', fn);
        e.fire('open', 'x');
        await flush();
        expect(fn).not.toHaveBeenCalled();
    });

    it('removeAllListeners() removes subscriptions but leaves property handlers', async () => {
        const e = new TestEmitter();
        const fn = vi.fn();
        const handler = vi.fn();
        e.on('open', fn);
        e.onOpen = handler;
        e.removeAllListeners();
        e.fire('open', 'x');
        await flush();
        expect(fn).not.toHaveBeenCalled();
        expect(handler).toHaveBeenCalledTimes(1);
    });

    it('a throwing listener is logged and the others still run', async () => {
        const log = spyLogger();
        const e = new TestEmitter(log);
        const after = vi.fn();
        e.onOpen = () => {
            throw new Error('handler boom');
        };
        e.on('open', () => {
            throw new Error('listener boom');
        });
        e.on('open', after);
        expect(() => e.fireNow('open', 'x')).not.toThrow();
        expect(after).toHaveBeenCalledWith('x');
        await flush(); // logged from the listener's settled Promise
        expect(log.error).toHaveBeenCalledTimes(2);
        expect(log.error).toHaveBeenCalledWith(
            expect.stringContaining("'open'"),
            expect.objectContaining({ error: expect.objectContaining({ message: 'handler boom' }) }),
        );
        expect(log.error).toHaveBeenCalledWith(
            expect.stringContaining("'open'"),
            expect.objectContaining({ error: expect.objectContaining({ message: 'listener boom' }) }),
        );
    });

    it('a throwing once() listener is still removed', async () => {
        const e = new TestEmitter(spyLogger());
        const fn = vi.fn(() => {
            throw new Error('boom');
        });
        e.once('open', fn);
        e.fire('open', 'a');
        e.fire('open', 'b');
        await flush();
        expect(fn).toHaveBeenCalledTimes(1);
    });

    it('a rejecting async listener is logged and the others still run', async () => {
        const log = spyLogger();
        const e = new TestEmitter(log);
        const after = vi.fn();
        e.on('open', async () => {
            await Promise.resolve();
            throw new Error('async boom');
        });
        e.on('open', after);
        e.fire('open', 'x');
        await flush();
        expect(after).toHaveBeenCalledWith('x');
        expect(log.error).toHaveBeenCalledWith(
            expect.stringContaining("'open'"),
            expect.objectContaining({ error: expect.objectContaining({ message: 'async boom' }) }),
        );
    });

    it('maps event names to handler names (onRTPProps ↔ rtpProps)', async () => {
        expect(handlerName('open')).toBe('onOpen');
        expect(handlerName('videoBitrate')).toBe('onVideoBitrate');
        expect(handlerName('mediaReport')).toBe('onMediaReport');
        expect(handlerName('rtpProps')).toBe('onRTPProps');

        const e = new TestEmitter();
        const props = vi.fn();
        const bitrate = vi.fn();
        e.onRTPProps = props;
        e.onVideoBitrate = bitrate;
        e.fire('rtpProps', { nack: 100, drop: 200 });
        e.fire('videoBitrate', 1, 2);
        await flush();
        expect(props).toHaveBeenCalledWith({ nack: 100, drop: 200 });
        expect(bitrate).toHaveBeenCalledWith(1, 2);
        expect((e as unknown as Record<string, unknown>).onRtpProps).toBeUndefined();
    });

    it('a listener subscribed during an emission is not called by that emission', async () => {
        const e = new TestEmitter();
        const late = vi.fn();
        e.on('open', () => e.on('open', late));
        e.fire('open', 'x');
        await flush();
        expect(late).not.toHaveBeenCalled();
    });

    it('an event named like an Object.prototype member has no listeners', async () => {
        const e = new TestEmitter(spyLogger());
        for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty'] as never[]) {
            expect(e.listenerCount(name)).toBe(0);
            expect(() => (e as unknown as { fireNow(event: string): void }).fireNow(name)).not.toThrow();
            expect(() => e.off(name)).not.toThrow();
        }
        const fn = vi.fn();
        e.on('constructor' as never, fn);
        expect(e.listenerCount('constructor' as never)).toBe(1);
        expect(e.listenerCount('toString' as never)).toBe(0);
        (e as unknown as { fire(event: string, arg: number): void }).fire('constructor', 1);
        await flush();
        expect(fn).toHaveBeenCalledWith(1);
    });
});
