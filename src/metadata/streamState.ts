/**
 * What a stream is doing, as its metadata says: `'online'` (a document with tracks), or the
 * server's reason why there is none — MistServer's texts mapped by {@link streamStateOf}.
 *
 * @example
 * ```ts
 * player.on('streamState', (state) => (badge.textContent = state === 'waitingForData' ? 'starting…' : state));
 * ```
 */
export type StreamState = 'online' | 'offline' | 'initializing' | 'booting' | 'waitingForData' | 'error';

/** MistServer's texts (`{ error: "Stream is offline" }` …), first match wins. */
const TEXTS: readonly [RegExp, Exclude<StreamState, 'online'>][] = [
    [/\boffline\b|shutting down/i, 'offline'],
    [/initiali[sz]ing/i, 'initializing'],
    [/booting/i, 'booting'],
    [/waiting for data/i, 'waitingForData'],
];

/**
 * The state a server's error text means: `"Stream is offline"` and `"Stream is shutting down"` →
 * `'offline'`, `"Stream is initializing"` → `'initializing'`, `"Stream is booting"` → `'booting'`,
 * `"Stream is waiting for data"` → `'waitingForData'`; any other text (`"Could not retrieve
 * stream. Sorry."`, an unknown stream) → `'error'`.
 *
 * @example
 * ```ts
 * streamStateOf('Stream is waiting for data'); // 'waitingForData'
 * ```
 */
export function streamStateOf(text: string): Exclude<StreamState, 'online'> {
    return TEXTS.find(([pattern]) => pattern.test(text))?.[1] ?? 'error';
}
