/**
 * The test-only fault switch (off unless `faults: true` / `RTCWIRE_FAULTS=1`): per-session faults
 * from query parameters, packet loss and network link cuts per stream through the relay's hooks,
 * and the runtime commands of `POST /_faults`. When it is off, the relay gets lossless hooks and the signaling
 * gets {@link NO_SESSION_FAULTS}: no fault code runs at all.
 */
import type { RelayHooks } from './relay/hooks.ts';
import type { Kind } from './sdp/offer.ts';

/** Faults one session asks for in its URL query. */
export interface SessionFaults {
    /** terminate the socket (WS) or end the session (WHIP/WHEP) this long after it opened, ms */
    dropSocketAfter?: number;
    /** percent of the packets forwarded to this stream's players to lose */
    loss?: number;
    /** delay the answer, ms */
    answerDelay?: number;
    /** refuse the offer (`on_answer_sdp {result:false}`, WHIP/WHEP 403) */
    refuse?: boolean;
    /** send malformed frames before the answer */
    malformed?: boolean;
    /** answer this kind's sections rejected (port 0), as a server without the codec would */
    reject?: Kind;
    /** play sessions: negotiate this kind but never send it (connected, and the picture never comes) */
    withhold?: Kind;
}

export const NO_SESSION_FAULTS: Readonly<SessionFaults> = {};

/** `POST /_faults` / `server.faults(cmd)`. */
export interface FaultCommand {
    stream?: string;
    /** percent of the packets forwarded to the players of `stream` to lose */
    loss?: number;
    /** percent of the publisher's packets lost on arrival (with `stream`) */
    ingestLoss?: number;
    /** terminate every socket of this stream now */
    dropSockets?: string;
    /**
     * With `stream`: the network paths of the stream's sessions (of `role` only, when given) go
     * down for this long, ms, from now: every datagram in or out (STUN, DTLS, RTP, RTCP, SCTP) is
     * lost. Only the paths in use now: an ICE session started later (an ICE restart, a new
     * session) takes a path that works, as after a change of network. 0 brings the paths back.
     */
    linkDown?: number;
    role?: 'publish' | 'play';
}

const ROLES = ['publish', 'play'] as const;

const num = (v: string | null): number | undefined => {
    if (v === null || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
};
const flag = (v: string | null) => v === '1' || v === 'true';
const kind = (v: string | null): Kind | undefined => (v === 'audio' || v === 'video' ? v : undefined);
const percent = (v: unknown) => Math.max(0, Math.min(100, Number(v) || 0));

export class FaultSwitch implements RelayHooks {
    private readonly loss = new Map<string, number>();
    private readonly ingestLoss = new Map<string, number>();
    /** the paths cut, by `<role> <stream>`: those of ICE sessions started by `from`, until `until` */
    private readonly linksDown = new Map<string, { from: number; until: number }>();

    constructor(
        /** terminates the sockets of a stream, returns how many */
        private readonly dropSockets: (stream: string) => number,
        /** the source of randomness (tests pass their own) */
        private readonly random: () => number = Math.random,
        /** the clock of the link cuts (tests pass their own) */
        private readonly now: () => number = Date.now,
    ) {}

    acceptFromPublisher(stream: string): boolean {
        return !this.lose(this.ingestLoss.get(stream));
    }

    deliverToPlayer(stream: string): boolean {
        return !this.lose(this.loss.get(stream));
    }

    linkUp(stream: string, role: 'publish' | 'play', iceSince: number): boolean {
        const key = `${role} ${stream}`;
        const cut = this.linksDown.get(key);
        if (!cut) return true;
        if (this.now() >= cut.until) {
            this.linksDown.delete(key);
            return true;
        }
        return iceSince > cut.from;
    }

    private lose(percent: number | undefined): boolean {
        return percent !== undefined && this.random() * 100 < percent;
    }

    /** The faults a session's query asks for; a `fault_loss` applies to its whole stream. */
    forSession(stream: string, query: URLSearchParams): SessionFaults {
        const f: SessionFaults = {
            dropSocketAfter: num(query.get('fault_drop_socket_after')),
            loss: num(query.get('fault_loss')),
            answerDelay: num(query.get('fault_answer_delay')),
            refuse: flag(query.get('fault_refuse')),
            malformed: flag(query.get('fault_malformed')),
            reject: kind(query.get('fault_reject')),
            withhold: kind(query.get('fault_withhold')),
        };
        if (f.loss !== undefined) this.setLoss(this.loss, stream, f.loss);
        return f;
    }

    /** A runtime command; returns what it did (the values applied, the sockets dropped). */
    command(cmd: FaultCommand): Record<string, unknown> {
        const out: Record<string, unknown> = {};
        if (cmd.stream !== undefined && cmd.loss !== undefined) {
            out.loss = this.setLoss(this.loss, String(cmd.stream), cmd.loss);
        }
        if (cmd.stream !== undefined && cmd.ingestLoss !== undefined) {
            out.ingestLoss = this.setLoss(this.ingestLoss, String(cmd.stream), cmd.ingestLoss);
        }
        if (cmd.dropSockets !== undefined) out.dropped = this.dropSockets(String(cmd.dropSockets));
        if (cmd.stream !== undefined && cmd.linkDown !== undefined) {
            const ms = Math.max(0, Number(cmd.linkDown) || 0);
            for (const role of ROLES) {
                if (cmd.role !== undefined && cmd.role !== role) continue;
                const key = `${role} ${String(cmd.stream)}`;
                const now = this.now();
                if (ms > 0) this.linksDown.set(key, { from: now, until: now + ms });
                else this.linksDown.delete(key);
            }
            out.linkDown = ms;
        }
        return out;
    }

    private setLoss(map: Map<string, number>, stream: string, value: unknown): number {
        const p = percent(value);
        if (p > 0) map.set(stream, p);
        else map.delete(stream);
        return p;
    }
}
