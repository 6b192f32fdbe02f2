/** Log levels, from the most verbose to silent. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * A log sink. Context travels as an object; tokens and credentials are never logged.
 * `console` is one; pass your own to route rtcwire's logs (`logger` option of every facade and
 * connector).
 *
 * @example
 * ```ts
 * const logger: Logger = {
 *     debug: () => {},
 *     info: (message, context) => telemetry.log('info', message, context),
 *     warn: (message, context) => telemetry.log('warn', message, context),
 *     error: (message, context) => telemetry.log('error', message, context),
 * };
 * const player = new Player(video, { logger, logLevel: 'info' });
 * ```
 */
export interface Logger {
    /** Details of signaling and media steps (level `debug`). */
    debug(message: string, context?: object): void;
    /** Notable session events, e.g. why a session closed (level `info`). */
    info(message: string, context?: object): void;
    /** Something went wrong but the SDK carries on (level `warn`, the default minimum). */
    warn(message: string, context?: object): void;
    /** A failure, e.g. an application listener that threw (level `error`). */
    error(message: string, context?: object): void;
}

/** The levels that log, from the least verbose: a logger logs the levels up to its own. */
const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** A level that writes (every {@link LogLevel} but `silent`). */
type WritingLevel = (typeof LEVELS)[number];

/** A level-filtering logger named after its layer, writing to `sink` (default: `console`). */
export function createLogger(name: string, level: LogLevel = 'warn', sink?: Logger): Logger {
    // 'silent' is not in LEVELS (index -1): nothing is logged.
    const max = LEVELS.indexOf(level as WritingLevel);
    const writer =
        (lvl: WritingLevel) =>
        (message: string, context?: object): void => {
            if (LEVELS.indexOf(lvl) > max) return;
            // The sink is read at call time (an app may replace console methods); without a
            // context, no trailing `undefined` in the console.
            const out = sink ?? console;
            if (context === undefined) out[lvl](`[rtcwire:${name}] ${message}`);
            else out[lvl](`[rtcwire:${name}] ${message}`, context);
        };
    return { debug: writer('debug'), info: writer('info'), warn: writer('warn'), error: writer('error') };
}
