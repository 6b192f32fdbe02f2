import type { PlayRate } from './messages';

/** A required field of a server message is missing or has the wrong type. @internal */
export class FieldError extends Error {
    /**
     * @param field - the field's wire name.
     */
    constructor(readonly field: string) {
        super(`'${field}' is missing or invalid`);
        this.name = 'FieldError';
    }
}

/**
 * A finite number, or a numeric string (servers send track indices and rates as strings);
 * `undefined` otherwise. `parseFloat` and `Number` agree only on plain decimal text, so `''`,
 * `'0x1f'`, `'1_0'` and `'5px'` are not numbers.
 */
function toNumber(value: unknown): number | undefined {
    const n = typeof value === 'string' && parseFloat(value) === Number(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** A boolean, or 1 / 0 (some servers send flags as numbers). */
function toBoolean(value: unknown): boolean | undefined {
    if (typeof value === 'boolean') return value;
    return value === 1 ? true : value === 0 ? false : undefined;
}

function toString(value: unknown): string | undefined {
    return typeof value === 'string' ? value : undefined;
}

/** A play rate: a number, `'auto'` or `'fast-forward'`. */
function toPlayRate(value: unknown): PlayRate | undefined {
    return value === 'auto' || value === 'fast-forward' ? value : toNumber(value);
}

/** An array whose every item reads with `item`; `undefined` when one does not. */
function toList<T>(item: (value: unknown) => T | undefined): (value: unknown) => T[] | undefined {
    return (value) => {
        if (!Array.isArray(value)) return undefined;
        const items: T[] = [];
        for (const entry of value) {
            const read = item(entry);
            if (read === undefined) return undefined;
            items.push(read);
        }
        return items;
    };
}

const toNumbers = toList(toNumber);
const toStrings = toList(toString);

/**
 * The fields of one server message, read by wire name. Each reader comes in two kinds: a required
 * one that throws a {@link FieldError} when the field is missing or has the wrong type, and an
 * optional one that gives `undefined` then (a wrong-typed optional field is dropped, not fatal).
 *
 * A wire name is also looked up in lower case (`unixOffset` reads `unixoffset`, `mediaType`
 * reads `mediatype`): servers differ in the spelling.
 *
 * @internal
 */
export class Fields {
    /**
     * @param values - the message's fields: the top level merged with its `data` object, if any.
     */
    constructor(private readonly values: Record<string, unknown>) {}

    /** The `values` of a frame: fields nested under `data` and at the top level (`data` wins). */
    static of(frame: Record<string, unknown>): Fields {
        const data = frame.data;
        return new Fields(typeof data === 'object' && data !== null ? { ...frame, ...data } : frame);
    }

    /** The nested object `wire` as fields of their own (empty when it is no object). */
    object(wire: string): Fields {
        const value = this._read(wire, (v) => (typeof v === 'object' && v !== null ? v : undefined));
        return new Fields({ ...value });
    }

    number(wire: string): number {
        return this._require(wire, this.optionalNumber(wire));
    }
    optionalNumber(wire: string): number | undefined {
        return this._read(wire, toNumber);
    }

    string(wire: string): string {
        return this._require(wire, this.optionalString(wire));
    }
    optionalString(wire: string): string | undefined {
        return this._read(wire, toString);
    }

    boolean(wire: string): boolean {
        return this._require(wire, this.optionalBoolean(wire));
    }
    optionalBoolean(wire: string): boolean | undefined {
        return this._read(wire, toBoolean);
    }

    playRate(wire: string): PlayRate {
        return this._require(wire, this.optionalPlayRate(wire));
    }
    optionalPlayRate(wire: string): PlayRate | undefined {
        return this._read(wire, toPlayRate);
    }

    numbers(wire: string): number[] {
        return this._require(wire, this._read(wire, toNumbers));
    }

    strings(wire: string): string[] {
        return this._require(wire, this._read(wire, toStrings));
    }

    /** `wire` read with `read`, else its lower-case spelling. */
    private _read<T>(wire: string, read: (value: unknown) => T | undefined): T | undefined {
        // Own properties only: a field named like an Object.prototype member is absent.
        const own = (name: string) =>
            Object.prototype.hasOwnProperty.call(this.values, name) ? this.values[name] : undefined;
        return read(own(wire)) ?? read(own(wire.toLowerCase()));
    }

    private _require<T>(wire: string, value: T | undefined): T {
        if (value === undefined) throw new FieldError(wire);
        return value;
    }
}
