/**
 * From an offer to a session, for both signalings (WebSocket and WHIP/WHEP): validate the offer,
 * check the role against the endpoint and the token, then let a publish or play session answer
 * it. Everything that can refuse the offer runs before any werift object exists.
 */
import type { Auth } from '../auth.ts';
import type { SessionFaults } from '../faults.ts';
import { InvalidOffer, parseOffer, type Kind, type OfferInfo } from '../sdp/offer.ts';
import { PlaySession } from './PlaySession.ts';
import { PublishSession } from './PublishSession.ts';
import type { Channel, Session } from './Session.ts';
import { SignalError } from './SignalError.ts';
import type { StreamRegistry } from './StreamRegistry.ts';

export interface OfferRequest {
    stream: string;
    offer: unknown;
    channel: Channel;
    /** initial track choice of a play (`?audio=`, `?video=`) */
    query: URLSearchParams;
    /** the token the request carried */
    token?: string;
    /** the role the endpoint serves (WHIP: publish, WHEP: play); any when undefined */
    expected?: 'publish' | 'play';
    /** the faults the session asked for (the fault switch only) */
    faults?: SessionFaults;
    /** the session exists (a play may then wait for its publisher) */
    onCreated?: (s: Session) => void;
}

export async function openSession(
    registry: StreamRegistry,
    auth: Auth,
    req: OfferRequest,
): Promise<{ session: Session; answer: string }> {
    let info;
    try {
        info = parseOffer(req.offer);
    } catch (e) {
        if (e instanceof InvalidOffer) throw new SignalError(`Invalid offer: ${e.message}`, 400);
        throw e;
    }
    if (req.expected && info.role !== req.expected) {
        throw new SignalError(`Offer direction does not match ${req.expected === 'publish' ? 'WHIP' : 'WHEP'}`, 400);
    }
    if (req.faults?.reject) info = rejectKind(info, req.faults.reject);
    const access = auth.check(req.stream, info.role, req.token);
    if (!access.ok) throw new SignalError(access.message, access.status);
    const stream = registry.get(req.stream);
    const session =
        info.role === 'publish'
            ? new PublishSession(registry, stream, req.channel)
            : new PlaySession(registry, stream, req.channel, {
                  audio: req.query.get('audio'),
                  video: req.query.get('video'),
                  withhold: req.faults?.withhold,
              });
    req.onCreated?.(session);
    try {
        return { session, answer: await session.answer(req.offer as string, info) };
    } catch (e) {
        session.close();
        throw e;
    }
}

/** `fault_reject`: the offer as if every section of `kind` had been turned down, so its answer rejects them. */
function rejectKind(info: OfferInfo, kind: Kind): OfferInfo {
    return { ...info, media: info.media.map((m) => (m.kind === kind ? { ...m, rejected: true } : m)) };
}
