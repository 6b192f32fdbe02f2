import EventEmitter from 'eventemitter3';
import { createLogger, type Logger } from './logger';

/** An event map: event name → tuple of the listener's arguments. */
export type EventMap = { [event: string]: unknown[] };

/**
 * The event names declared by map `M`. {@link EventMap}'s `string` index signature is left out:
 * with it, `keyof M & string` is plain `string`, which would accept any misspelt event name.
 */
export type EventName<M extends EventMap> = keyof {
    [K in keyof M as string extends K ? never : number extends K ? never : K]: unknown;
} &
    string;

/** A listener of event `K` of map `M`. */
export type Listener<M extends EventMap, K extends keyof M> = (...args: M[K]) => void;

/** Options of {@link Emitter.on} and {@link Emitter.once}. */
export interface ListenOptions {
    /** Aborting this signal removes the listener (and rejects a pending `once()` Promise). */
    signal?: AbortSignal;
}

/** The property-handler name of an event: `open` → `onOpen`, `rtpProps` → `onRTPProps`. */
export type HandlerName<K extends string> = K extends 'rtpProps' ? 'onRTPProps' : `on${Capitalize<K>}`;

/**
 * Property handlers (`x.onOpen = fn`) derived from an event map. The map's `string` index
 * signature (inherited from {@link EventMap}) is skipped: it would add an `on${string}` index
 * signature that gives every handler `unknown` arguments.
 */
export type EventHandlers<M extends EventMap> = {
    [K in keyof M as K extends string ? (string extends K ? never : HandlerName<K>) : never]?:
        ((...args: M[K]) => void) | undefined;
};

/** @internal */
export function handlerName(event: string): string {
    return event === 'rtpProps' ? 'onRTPProps' : `on${event.charAt(0).toUpperCase()}${event.slice(1)}`;
}

const emitterLog = createLogger('events');

/**
 * Typed event emitter with two styles: property handlers (`x.onOpen = fn`, one per event, for
 * the app) and subscriptions (`x.on('open', fn, { signal })`). Emission is always asynchronous
 * (a microtask after the call that caused it) and a throwing listener is logged, never rethrown.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * connector.on('close', (error) => console.log('closed', error?.code), { signal: ac.signal });
 * const stream = await connector.once('open');
 * ac.abort(); // removes the 'close' listener
 * ```
 */
export class Emitter<M extends EventMap> {
    private readonly _ee = new EventEmitter();
    /**
     * One guarded invoker per event, registered in eventemitter3 with the app's listener as its
     * `context`: eventemitter3 then handles `once` removal itself (its `listeners()` loses the
     * once flag), `off(event, listener)` still finds the listener, and each call stays guarded.
     */
    private readonly _invokers = new Map<string, (this: (...args: unknown[]) => unknown, ...args: unknown[]) => void>();
    /** @internal */
    protected _log: Logger = emitterLog;

    /** Subscribes `listener` to `event`; `options.signal` unsubscribes it when aborted. */
    on<K extends EventName<M>>(event: K, listener: Listener<M, K>, options?: ListenOptions): this {
        return this._add(event, listener, false, options);
    }

    /**
     * Subscribes `listener` to the next `event` only. Without a listener, returns a Promise of
     * the event's first argument (rejected with the signal's reason if `options.signal` aborts).
     */
    once<K extends EventName<M>>(event: K, listener: Listener<M, K>, options?: ListenOptions): this;
    once<K extends EventName<M>>(event: K, listener?: undefined, options?: ListenOptions): Promise<M[K][0]>;
    once<K extends EventName<M>>(
        event: K,
        listener?: Listener<M, K>,
        options?: ListenOptions,
    ): this | Promise<M[K][0]> {
        if (listener) return this._add(event, listener, true, options);
        return new Promise<M[K][0]>((resolve, reject) => {
            const signal = options?.signal;
            if (signal?.aborted) return reject(signal.reason);
            const onAbort = () => reject(signal?.reason);
            this._add(
                event,
                ((...args: M[K]) => {
                    signal?.removeEventListener('abort', onAbort);
                    resolve(args[0]);
                }) as Listener<M, K>,
                true,
                options,
            );
            signal?.addEventListener('abort', onAbort, { once: true });
        });
    }

    /** Removes `listener` from `event` (all listeners of `event` without a listener). */
    off<K extends EventName<M>>(event: K, listener?: Listener<M, K>): this {
        if (listener) this._ee.off(event, this._invoker(event), listener);
        else this._ee.off(event);
        return this;
    }

    /** Removes every subscription (property handlers are left to the app). */
    removeAllListeners(): this {
        this._ee.removeAllListeners();
        return this;
    }

    /** Number of subscriptions for `event` (property handlers not counted). */
    listenerCount(event: EventName<M>): number {
        return this._ee.listenerCount(event);
    }

    /**
     * Emits `event` asynchronously: property handler first, then subscriptions, each guarded.
     * @internal
     */
    protected _emit<K extends keyof M & string>(event: K, ...args: M[K]): void {
        queueMicrotask(() => this._emitNow(event, ...args));
    }

    /** @internal Emits at once; only for code already running asynchronously. */
    protected _emitNow<K extends keyof M & string>(event: K, ...args: M[K]): void {
        const handler = (this as unknown as Record<string, unknown>)[handlerName(event)];
        if (typeof handler === 'function') this._guard(event, () => handler.apply(this, args));
        this._ee.emit(event, ...args);
    }

    private _invoker(event: string): (this: (...args: unknown[]) => unknown, ...args: unknown[]) => void {
        let invoker = this._invokers.get(event);
        if (!invoker) {
            // eslint-disable-next-line @typescript-eslint/no-this-alias -- `this` of the invoker is the listener
            const emitter = this;
            invoker = function (this: (...args: unknown[]) => unknown, ...args: unknown[]) {
                emitter._guard(event, () => this.apply(emitter, args));
            };
            this._invokers.set(event, invoker);
        }
        return invoker;
    }

    private _guard(event: string, call: () => unknown): void {
        try {
            const result = call();
            if (result instanceof Promise) {
                result.catch((error: unknown) => this._log.error(`listener of '${event}' rejected`, { error }));
            }
        } catch (error) {
            this._log.error(`listener of '${event}' threw`, { error });
        }
    }

    private _add<K extends keyof M & string>(
        event: K,
        listener: Listener<M, K>,
        once: boolean,
        options: ListenOptions | undefined,
    ): this {
        const signal = options?.signal;
        if (signal?.aborted) return this;
        const fn = listener as (...args: unknown[]) => unknown;
        const invoker = this._invoker(event);
        if (once) this._ee.once(event, invoker, fn);
        else this._ee.on(event, invoker, fn);
        signal?.addEventListener('abort', () => this._ee.off(event, invoker, fn), { once: true });
        return this;
    }
}
