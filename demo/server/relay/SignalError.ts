/**
 * A session request the server refuses, with the HTTP status that says why (WHIP/WHEP answer it
 * as is; the WebSocket signaling maps it to `on_answer_sdp {result:false}` or `on_error`). Its
 * message is meant for the client; any other error is internal and its message never leaves the
 * server.
 */
export class SignalError extends Error {
    constructor(
        message: string,
        readonly status: number,
    ) {
        super(message);
    }
}
