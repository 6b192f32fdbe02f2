/**
 * `object` without its `undefined` properties, in place: an optional field that has no value is
 * absent, not present as `undefined` (what an app logging or comparing the object expects).
 *
 * @example
 * ```ts
 * withoutUndefined({ a: 1, b: undefined }); // { a: 1 }
 * ```
 */
export function withoutUndefined<T extends object>(object: T): T {
    for (const key of Object.keys(object) as (keyof T)[]) {
        if (object[key] === undefined) delete object[key];
    }
    return object;
}
