/** Log levels, from the most verbose to silent. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** A log sink. Context travels as an object; tokens and credentials are never logged. */
export interface Logger {
    debug(message: string, context?: object): void;
    info(message: string, context?: object): void;
    warn(message: string, context?: object): void;
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
