import { describe, expectTypeOf, it } from 'vitest';
import type { ConnectorEvents } from '../../src/connectors/Connector';
import type { HTTPConnector } from '../../src/connectors/HTTPConnector';
import type { WSController } from '../../src/connectors/WSController';
import type { Emitter, EventHandlers, EventMap, EventName } from '../../src/core/Emitter';
import type { RtcError } from '../../src/core/RtcError';
import type { ConnectorState } from '../../src/core/types';
import type { MediaReport, PlayingInfos, RTPProps, TrackDropInfo } from '../../src/signaling/messages';

declare const http: HTTPConnector;
declare const ws: WSController;

describe('event names', () => {
    it('EventName keeps the declared names and drops the index signature', () => {
        expectTypeOf<EventName<ConnectorEvents>>().toEqualTypeOf<'open' | 'close' | 'state' | 'data' | 'dataChannel'>();
    });

    it('EventHandlers maps every declared event to its on<Event> handler, nothing else', () => {
        expectTypeOf<keyof EventHandlers<ConnectorEvents>>().toEqualTypeOf<
            'onOpen' | 'onClose' | 'onState' | 'onData' | 'onDataChannel'
        >();
        interface Rtp extends EventMap {
            rtpProps: [props: RTPProps];
            videoBitrate: [bitrate: number, constraint: number];
        }
        expectTypeOf<keyof EventHandlers<Rtp>>().toEqualTypeOf<'onRTPProps' | 'onVideoBitrate'>();
    });
});

describe('HTTPConnector', () => {
    it("on('open') gets a MediaStream, on('close') an RtcError or undefined, on('state') the state", () => {
        http.on('open', (stream) => expectTypeOf(stream).toEqualTypeOf<MediaStream>());
        http.on('close', (error) => expectTypeOf(error).toEqualTypeOf<RtcError | undefined>());
        http.on('state', (state) => expectTypeOf(state).toEqualTypeOf<ConnectorState>());
        expectTypeOf(http.on('open', () => {})).toEqualTypeOf<HTTPConnector>();
        http.on('open', () => {}, { signal: new AbortController().signal });
    });

    it('once() with a callback returns the emitter; without one, a Promise of the first argument', () => {
        expectTypeOf(http.once('open', () => {})).toEqualTypeOf<HTTPConnector>();
        expectTypeOf(http.once('open')).toEqualTypeOf<Promise<MediaStream>>();
        expectTypeOf(http.once('close')).toEqualTypeOf<Promise<RtcError | undefined>>();
        expectTypeOf(http.once('state', undefined, { signal: AbortSignal.timeout(10) })).toEqualTypeOf<
            Promise<ConnectorState>
        >();
    });

    it('wrong event names and wrong listener types are errors', () => {
        // @ts-expect-error not an event of HTTPConnector
        http.on('opened', () => {});
        // @ts-expect-error WSController-only event (a publisher's report)
        http.once('videoBitrate');
        // @ts-expect-error not an event of HTTPConnector
        http.off('nope');
        // @ts-expect-error the open listener gets a MediaStream, not a number
        http.on('open', (stream: number) => stream);
        // @ts-expect-error WSController-only event
        http.on('rtpProps', () => {});
    });

    it('property handlers are typed', () => {
        expectTypeOf<HTTPConnector['onOpen']>().toEqualTypeOf<((stream: MediaStream) => void) | undefined>();
        expectTypeOf<HTTPConnector['onClose']>().toEqualTypeOf<((error?: RtcError) => void) | undefined>();
        expectTypeOf<HTTPConnector['onState']>().toEqualTypeOf<((state: ConnectorState) => void) | undefined>();
        http.onOpen = (stream) => expectTypeOf(stream).toEqualTypeOf<MediaStream>();
        http.onClose = (error) => expectTypeOf(error).toEqualTypeOf<RtcError | undefined>();
        http.onOpen = undefined;
        // @ts-expect-error the open handler gets a MediaStream
        http.onOpen = (stream: string) => stream;
        // @ts-expect-error no such handler
        http.onOpened = () => {};
        // @ts-expect-error WSController-only handler
        http.onVideoBitrate = () => {};
    });

    it('reports what its MistControl channel carries, and timed data, like the WebSocket session', () => {
        http.on('playing', (infos) => expectTypeOf(infos).toEqualTypeOf<PlayingInfos>());
        http.on('data', (time, track, data, duration) => {
            expectTypeOf(time).toEqualTypeOf<number>();
            expectTypeOf(track).toEqualTypeOf<number>();
            expectTypeOf(data).toEqualTypeOf<unknown>();
            expectTypeOf(duration).toEqualTypeOf<number | undefined>();
        });
        expectTypeOf(http.setVideoTrack(2)).toEqualTypeOf<Promise<PlayingInfos>>();
    });

    it('exposes the WHIP/WHEP resource', () => {
        expectTypeOf(http.resourceUrl).toEqualTypeOf<string | undefined>();
        expectTypeOf(http.url).toEqualTypeOf<string>();
        // @ts-expect-error read-only
        http.resourceUrl = 'x';
    });

    it('is an Emitter of the connector events', () => {
        expectTypeOf<HTTPConnector>().toMatchTypeOf<Emitter<ConnectorEvents>>();
    });
});

describe('WSController', () => {
    it('has the connector events plus the server reports', () => {
        ws.on('open', (stream) => expectTypeOf(stream).toEqualTypeOf<MediaStream>());
        ws.on('close', (error) => expectTypeOf(error).toEqualTypeOf<RtcError | undefined>());
        ws.on('playing', (infos) => expectTypeOf(infos).toEqualTypeOf<PlayingInfos>());
        ws.on('videoBitrate', (bitrate, constraint) => {
            expectTypeOf(bitrate).toEqualTypeOf<number>();
            expectTypeOf(constraint).toEqualTypeOf<number>();
        });
        ws.on('rtpProps', (props) => expectTypeOf(props).toEqualTypeOf<RTPProps>());
        ws.on('mediaReport', (report) => expectTypeOf(report).toEqualTypeOf<MediaReport>());
        ws.on('trackDrop', (info) => expectTypeOf(info).toEqualTypeOf<TrackDropInfo>());
        expectTypeOf(ws.once('open')).toEqualTypeOf<Promise<MediaStream>>();
        expectTypeOf(ws.once('videoBitrate')).toEqualTypeOf<Promise<number>>();
        // @ts-expect-error not an event of WSController
        ws.on('videobitrate', () => {});
    });

    it('property handlers follow the naming rule, onRTPProps included', () => {
        expectTypeOf<WSController['onOpen']>().toEqualTypeOf<((stream: MediaStream) => void) | undefined>();
        expectTypeOf<WSController['onPlaying']>().toEqualTypeOf<((infos: PlayingInfos) => void) | undefined>();
        expectTypeOf<WSController['onRTPProps']>().toEqualTypeOf<((props: RTPProps) => void) | undefined>();
        expectTypeOf<WSController['onVideoBitrate']>().toEqualTypeOf<
            ((bitrate: number, constraint: number) => void) | undefined
        >();
        ws.onMediaReport = (report) => expectTypeOf(report).toEqualTypeOf<MediaReport>();
        // @ts-expect-error the handler of rtpProps is onRTPProps
        ws.onRtpProps = () => {};
    });
});
