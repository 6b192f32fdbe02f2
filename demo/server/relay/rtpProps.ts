/** `rtp_props`: the NACK wait and drop thresholds a client asks for (stored and echoed, in packets). */

export interface RtpProps {
    nack: number;
    drop: number;
}

/** MistServer's defaults. */
export const DEFAULT_RTP_PROPS: Readonly<RtpProps> = { nack: 100, drop: 500 };

/** Numeric (or numeric string) `nack`/`drop` ≥ 0 are stored; anything else is ignored. */
export function applyRtpProps(props: RtpProps, msg: Record<string, unknown>): void {
    const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN);
    const nack = num(msg.nack);
    const drop = num(msg.drop);
    if (Number.isFinite(nack) && nack >= 0) props.nack = nack;
    if (Number.isFinite(drop) && drop >= 0) props.drop = drop;
}
