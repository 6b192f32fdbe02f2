/**
 * Reads one text frame that must hold a JSON object, or says why it does not: a binary frame, one
 * longer than `maxLength` (UTF-16 code units; refused before it is parsed), bad JSON, or JSON that
 * is no object (an array, a string, `null`). Never throws. @internal
 */
export function readJsonObject(frame: unknown, maxLength: number): Record<string, unknown> | string {
    if (typeof frame !== 'string') return 'binary frame';
    if (frame.length > maxLength) return 'frame too large';
    let value: unknown;
    try {
        value = JSON.parse(frame);
    } catch {
        return 'malformed JSON';
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
    return value as Record<string, unknown>;
}
