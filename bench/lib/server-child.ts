/**
 * The reference server in its own process, so that its CPU time can be measured apart from the
 * benchmark driver (Playwright). Started by bench/relay-load.ts with `fork(…, { execArgv: ['--import', 'tsx'] })`.
 * IPC: sends `{ url }` once listening; answers `{ cmd: 'cpu' }` with `{ cpu: process.cpuUsage(), at }`
 * (at: hrtime in µs) and `{ cmd: 'streams' }` with `{ streams }`; `{ cmd: 'close' }` closes and exits.
 * Exits by itself when the parent goes away.
 */
import { startRefServer } from '../../e2e/harness';

const server = await startRefServer({ playWaitMs: 5000 });
const send = (msg: unknown) => process.send?.(msg);
process.on('message', async (msg: { cmd?: string }) => {
    if (msg.cmd === 'cpu') send({ cpu: process.cpuUsage(), at: Number(process.hrtime.bigint() / 1000n) });
    else if (msg.cmd === 'streams') send({ streams: server.streams() });
    else if (msg.cmd === 'close') {
        await server.close().catch(() => undefined);
        process.exit(0);
    }
});
process.on('disconnect', () => process.exit(0));
send({ url: server.url });
