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

/** The levels that log, from the least verbose: a logger logs up to its level's index. */
const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** A level-filtering logger named after its layer, writing to `sink` (default: `console`). */
export function createLogger(name: string, level: LogLevel = 'warn', sink?: Logger): Logger {
    // 'silent' (not in LEVELS, index -1) logs nothing.
    const max = LEVELS.indexOf(level as (typeof LEVELS)[number]);
    return Object.fromEntries(
        LEVELS.map((lvl, rank) => [
            lvl,
            (message: string, context?: object) => {
                // Without a context, no trailing `undefined` in the console.
                if (rank <= max)
                    (sink ?? console)[lvl](`[rtcwire:${name}] ${message}`, ...(context === undefined ? [] : [context]));
            },
        ]),
    ) as unknown as Logger;
}
