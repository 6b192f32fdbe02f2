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

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** A level-filtering logger named after its layer, writing to `sink` (default: `console`). */
export function createLogger(name: string, level: LogLevel = 'warn', sink?: Logger): Logger {
    const min = RANK[level];
    const out = (lvl: Exclude<LogLevel, 'silent'>) => (message: string, context?: object) => {
        if (RANK[lvl] < min) return;
        const target = sink ?? console;
        const text = `[rtcwire:${name}] ${message}`;
        if (context === undefined) target[lvl](text);
        else target[lvl](text, context);
    };
    return { debug: out('debug'), info: out('info'), warn: out('warn'), error: out('error') };
}
