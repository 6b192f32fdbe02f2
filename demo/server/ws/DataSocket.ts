/**
 * MistServer's data WebSocket, `/<stream>.json`: the stream's timed data as `{ data, time, track }`
 * frames, for players whose session has no data channel. `{ type: 'tracks', tracks: '1,2' }`
 * chooses the data tracks (`'auto'`: all of them, the default; `'none'`). It follows the stream by
 * name: opened before anyone publishes, it delivers once a publisher sends.
 */
import type { WebSocket } from 'ws';
import type { Log } from '../log.ts';
import type { TimedItem } from '../relay/DataTrack.ts';
import { parseMetaChoice, type MetaChoice } from '../relay/PlaySession.ts';
import type { Stream } from '../relay/Stream.ts';
import type { StreamRegistry } from '../relay/StreamRegistry.ts';
import { decodeMessage } from './messages.ts';

export class DataSocket {
    private choice: MetaChoice = 'auto';
    private readonly sink = (item: TimedItem) => this.deliver(item);
    private stream?: Stream;

    constructor(
        private readonly registry: StreamRegistry,
        private readonly ws: WebSocket,
        private readonly name: string,
        private readonly log: Log,
    ) {}

    start(): void {
        const stream = (this.stream = this.registry.get(this.name));
        stream.dataSinks.add(this.sink);
        this.ws.on('error', (e) => this.log('debug', `data socket error on ${this.name}`, e));
        this.ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
        this.ws.on('close', () => {
            stream.dataSinks.delete(this.sink);
            this.registry.release(stream);
        });
    }

    private onMessage(data: unknown, isBinary: boolean): void {
        const msg = decodeMessage(data, isBinary);
        if (typeof msg === 'string' || msg.type !== 'tracks') {
            return this.log('debug', `data socket on ${this.name}: frame ignored`);
        }
        const choice = parseMetaChoice(msg.tracks);
        if (choice !== undefined) this.choice = choice;
    }

    private deliver(item: TimedItem): void {
        const choice = this.choice;
        if (choice === 'none' || (Array.isArray(choice) && !choice.includes(item.track))) return;
        if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(item));
    }
}
