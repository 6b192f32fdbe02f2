#!/usr/bin/env node
// `npm start`: run the TypeScript reference server through tsx (in-process) and print its URL.
// Env: HOST (default 127.0.0.1), PORT (default 8080, 0 = any free port), RTCWIRE_FAULTS=1,
// RTCWIRE_PLAY_WAIT_MS, RTCWIRE_DEBUG=1, TOKENS (token rules as JSON) or TOKENS_FILE (their path).
import { register } from 'tsx/esm/api';

register();
const { startServer } = await import('./main.ts');
try {
    const server = await startServer({ log: process.env.RTCWIRE_DEBUG === '1' ? 'debug' : 'info' });
    console.log(`rtcwire reference server listening on ${server.url}/`);
    const stop = () => server.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
} catch (e) {
    console.error(`rtcwire server failed to start: ${e?.message ?? e}`);
    process.exit(1);
}
