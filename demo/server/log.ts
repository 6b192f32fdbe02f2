/** Server logging: one sink function, levels, and process guards that keep a demo server running. */

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, extra?: unknown) => void;

export type LogOption = boolean | 'info' | 'debug' | Log;

/** false = silent, true/'info' = info and above, 'debug' (or env RTCWIRE_DEBUG=1) = everything. */
export function makeLogger(opt: LogOption): Log {
    if (typeof opt === 'function') return opt;
    if (opt === false) return () => undefined;
    const debug = opt === 'debug' || process.env.RTCWIRE_DEBUG === '1';
    return (level, msg, extra) => {
        if (level === 'debug' && !debug) return;
        const line = `[rtcwire-server] ${level}: ${msg}`;
        const rest = extra === undefined ? [] : [extra instanceof Error ? extra.message : extra];
        if (level === 'error' || level === 'warn') console.error(line, ...rest);
        else console.log(line, ...rest);
    };
}

let guardsInstalled = false;

/** Once per process: an exception escaping a werift callback is logged instead of ending every session. */
export function installProcessGuards(log: Log): void {
    if (guardsInstalled) return;
    guardsInstalled = true;
    process.on('uncaughtException', (e) => log('error', 'uncaught exception (kept running)', e?.stack ?? e));
    process.on('unhandledRejection', (e) =>
        log('error', 'unhandled rejection (kept running)', (e as Error)?.stack ?? e),
    );
}
