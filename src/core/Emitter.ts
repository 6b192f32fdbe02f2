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
    return event === 'rtpProps' ? 'onRTPProps' : `on${event[0]!.toUpperCase()}${event.slice(1)}`;
}

const emitterLog = createLogger('events');

/** One `on`/`once` subscription. */
interface Subscription {
    _fn: (...args: unknown[]) => unknown;
    _once: boolean;
}

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
    /**
     * Subscriptions per event. Lists are replaced, never mutated: an emission walks the list it
     * started with, so listeners added or removed meanwhile take effect from the next emission.
     * Prototype-free: an event named like an `Object.prototype` member (`constructor`) has none.
     */
    private _listeners = new Map<string, Subscription[]>();
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
        // Once settled, the Promise ignores a later abort.
        return listener
            ? this._add(event, listener, true, options)
            : new Promise<M[K][0]>((resolve, reject) =>
                  this._add(event, resolve as unknown as Listener<M, K>, true, options, reject),
              );
    }

    /** Removes `listener` from `event` (all listeners of `event` without a listener). */
    off<K extends EventName<M>>(event: K, listener?: Listener<M, K>): this {
        return this._keep(event, (s) => !!listener && s._fn !== listener);
    }

    /** Removes every subscription (property handlers are left to the app). */
    removeAllListeners(): this {
        this._listeners.clear();
        return this;
    }

    /** Number of subscriptions for `event` (property handlers not counted). */
    listenerCount(event: EventName<M>): number {
        return this._listeners.get(event)?.length ?? 0;
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
        if (typeof handler === 'function') this._call(event, handler as Subscription['_fn'], args);
        for (const subscription of this._listeners.get(event) ?? []) {
            if (subscription._once) this._keep(event, (s) => s !== subscription);
            this._call(event, subscription._fn, args);
        }
    }

    /** Calls a listener with the emitter as `this`; logs what it throws or rejects, never rethrows. */
    private _call(event: string, fn: Subscription['_fn'], args: unknown[]): void {
        // The executor catches a throw; an async listener's rejection is followed too.
        new Promise((resolve) => resolve(fn.apply(this, args))).catch((error: unknown) =>
            this._log.error(`listener of '${event}' failed`, { error }),
        );
    }

    /** Keeps the subscriptions of `event` that pass `test`, then `added` (in a new list). */
    private _keep(event: string, test: (subscription: Subscription) => boolean, ...added: Subscription[]): this {
        this._listeners.set(event, [...(this._listeners.get(event) ?? []).filter(test), ...added]);
        return this;
    }

    /** Subscribes; an abort of `options.signal` (or an aborted one) unsubscribes and calls `onAbort`. */
    private _add<K extends keyof M & string>(
        event: K,
        listener: Listener<M, K>,
        once: boolean,
        options?: ListenOptions,
        onAbort?: (reason: unknown) => void,
    ): this {
        const signal = options?.signal;
        const subscription: Subscription = { _fn: listener as Subscription['_fn'], _once: once };
        const abort = () => {
            this._keep(event, (s) => s !== subscription);
            onAbort?.(signal!.reason);
        };
        this._keep(event, Boolean, subscription);
        if (signal?.aborted) abort();
        else signal?.addEventListener('abort', abort);
        return this;
    }
}
