import { EventEmitter } from 'eventemitter3';
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

/** The property-handler name of `event` (see {@link HandlerName}). @internal */
export function handlerName(event: string): string {
    return event === 'rtpProps' ? 'onRTPProps' : `on${event.charAt(0).toUpperCase()}${event.slice(1)}`;
}

const emitterLog = createLogger('events');

/** Any listener, as the emitter stores and calls it. */
type AnyListener = (...args: unknown[]) => unknown;

/**
 * What eventemitter3 holds for one `on`/`once` call: a guard around the app's listener (so that
 * a throw cannot stop the other listeners of the emission), which remembers that listener for
 * {@link Emitter.off}. One wrapper per subscription: removing one never removes another.
 */
interface Subscription {
    (...args: unknown[]): void;
    readonly listener: AnyListener;
}

/**
 * Typed event emitter with two styles: property handlers (`x.onOpen = fn`, one per event, for
 * the app) and subscriptions (`x.on('open', fn, { signal })`, kept by eventemitter3). Emission is
 * always asynchronous (a microtask after the call that caused it) and a throwing or rejecting
 * listener is logged, never rethrown.
 *
 * Property handlers and subscriptions never interfere: setting `x.onClose` replaces only the
 * previous handler, while the SDK's own wiring uses subscriptions.
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
    /** The subscriptions. Its `emit` walks the listeners present when it starts. */
    private readonly _events = new EventEmitter();
    /** @internal */
    protected _log: Logger = emitterLog;

    /**
     * Subscribes `listener` to `event`; `options.signal` unsubscribes it when aborted.
     *
     * @example
     * ```ts
     * const ac = new AbortController();
     * player.on('stats', (s) => console.log(s.quality), { signal: ac.signal });
     * ac.abort(); // unsubscribed
     * ```
     */
    on<K extends EventName<M>>(event: K, listener: Listener<M, K>, options?: ListenOptions): this {
        this._subscribe(event, listener, false, options?.signal);
        return this;
    }

    /**
     * Subscribes `listener` to the next `event` only. Without a listener, returns a Promise of
     * the event's first argument (rejected with the signal's reason if `options.signal` aborts
     * first).
     *
     * @example
     * ```ts
     * const stream = await player.once('start', undefined, { signal: AbortSignal.timeout(10_000) });
     * ```
     */
    once<K extends EventName<M>>(event: K, listener: Listener<M, K>, options?: ListenOptions): this;
    once<K extends EventName<M>>(event: K, listener?: undefined, options?: ListenOptions): Promise<M[K][0]>;
    once<K extends EventName<M>>(
        event: K,
        listener?: Listener<M, K>,
        options?: ListenOptions,
    ): this | Promise<M[K][0]> {
        const signal = options?.signal;
        if (listener) {
            this._subscribe(event, listener, true, signal);
            return this;
        }
        return new Promise<M[K][0]>((resolve, reject) => {
            // Once settled, the Promise ignores a later abort.
            const first = (...args: M[K]) => resolve(args[0]);
            this._subscribe(event, first, true, signal, () => reject(signal?.reason));
        });
    }

    /**
     * Removes `listener` from `event` (all listeners of `event` without a listener).
     *
     * @example
     * ```ts
     * const onState = (state: string) => console.log(state);
     * player.on('state', onState);
     * player.off('state', onState);
     * ```
     */
    off<K extends EventName<M>>(event: K, listener?: Listener<M, K>): this {
        if (!listener) {
            this._events.removeAllListeners(event);
            return this;
        }
        for (const subscription of this._events.listeners(event) as Subscription[]) {
            if (subscription.listener === listener) this._events.off(event, subscription);
        }
        return this;
    }

    /**
     * Removes every subscription (property handlers are left to the app).
     *
     * @example
     * ```ts
     * player.removeAllListeners();
     * ```
     */
    removeAllListeners(): this {
        this._events.removeAllListeners();
        return this;
    }

    /**
     * Number of subscriptions for `event` (property handlers not counted).
     *
     * @example
     * ```ts
     * console.log(player.listenerCount('stats'), 'stats listeners');
     * ```
     */
    listenerCount(event: EventName<M>): number {
        return this._events.listenerCount(event);
    }

    /**
     * Emits `event` a microtask later: handlers attached right after the causing call see it.
     * @internal
     */
    protected _emit<K extends EventName<M>>(event: K, ...args: M[K]): void {
        queueMicrotask(() => this._emitNow(event, ...args));
    }

    /**
     * Emits at once: the property handler first, then the subscriptions, each guarded. Only for
     * code that already runs asynchronously. @internal
     */
    protected _emitNow<K extends EventName<M>>(event: K, ...args: M[K]): void {
        // Handlers are plain properties set by the app (typed by each class's EventHandlers merge).
        const handler: unknown = Reflect.get(this, handlerName(event));
        if (typeof handler === 'function') this._call(event, handler as AnyListener, args);
        this._events.emit(event, ...args);
    }

    /** Calls a listener with the emitter as `this`; logs what it throws or rejects, never rethrows. */
    private _call(event: string, listener: AnyListener, args: unknown[]): void {
        const failed = (error: unknown) => this._log.error(`listener of '${event}' failed`, { error });
        try {
            const result = listener.apply(this, args);
            // An async listener's rejection is followed too.
            if (result instanceof Promise) result.catch(failed);
        } catch (error) {
            failed(error);
        }
    }

    /**
     * Subscribes a guarded `listener`; an abort of `signal` (or an already aborted one)
     * unsubscribes it and calls `onAbort`.
     */
    private _subscribe<K extends EventName<M>>(
        event: K,
        listener: Listener<M, K>,
        once: boolean,
        signal: AbortSignal | undefined,
        onAbort?: () => void,
    ): void {
        const stored = listener as AnyListener;
        const subscription: Subscription = Object.assign((...args: unknown[]) => this._call(event, stored, args), {
            listener: stored,
        });
        const abort = () => {
            this._events.off(event, subscription);
            onAbort?.();
        };
        if (signal?.aborted) return abort();
        if (once) this._events.once(event, subscription);
        else this._events.on(event, subscription);
        signal?.addEventListener('abort', abort, { once: true });
    }
}
