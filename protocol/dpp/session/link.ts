/**
 * Send/receive bookkeeping shared by both session machines: what was sent last (for
 * retransmission on a timer), and what was received last (a byte-identical repeat means the peer
 * missed our answer, so the answer is sent again instead of being recomputed).
 */
import { bytesEqual } from '../../bytes.js';
import { ConfiguratorError, ErrorCode } from '../../errors.js';
import { decodeMessage, frameTypeName, type DppMessage } from '../frames.js';
import type { EffectSink, SessionTimings } from './types.js';

export interface LinkState {
  readonly timings: SessionTimings;
  /** The last message we sent and how often. */
  readonly lastSent?: { readonly message: Uint8Array; readonly what: string } | undefined;
  readonly transmissions: number;
  /** The last message we accepted, and the answer we gave to it (if any). */
  readonly lastReceived?: Uint8Array | undefined;
  readonly answer?: Uint8Array | undefined;
  /** The most recent reason a message was dropped: the failure reason if the stage then times out. */
  readonly lastError?: ConfiguratorError | undefined;
}

export function initialLink(timings: SessionTimings): LinkState {
  return { timings, transmissions: 0 };
}

/** Send a new message; it becomes the one retransmitted on the timer. */
export function send(
  link: LinkState,
  message: Uint8Array,
  what: string,
  effects: EffectSink,
  answers?: Uint8Array,
): LinkState {
  effects.push({ type: 'send', message, what, retransmission: false });
  if (link.timings.retransmitMs > 0)
    effects.push({ type: 'setTimer', timer: 'retransmit', ms: link.timings.retransmitMs });
  return {
    ...link,
    lastSent: { message, what },
    transmissions: 1,
    lastReceived: answers ?? link.lastReceived,
    answer: answers ? message : link.answer,
  };
}

/** A message was accepted that needs no answer (yet): remember it for duplicate detection. */
export function accepted(link: LinkState, message: Uint8Array): LinkState {
  return { ...link, lastReceived: message, answer: undefined };
}

/** The retransmit timer fired: send the last message again, up to the limit. */
export function retransmit(link: LinkState, effects: EffectSink): LinkState {
  if (
    !link.lastSent ||
    link.transmissions >= link.timings.maxTransmissions ||
    link.timings.retransmitMs === 0
  )
    return link;
  effects.push({
    type: 'send',
    message: link.lastSent.message,
    what: link.lastSent.what,
    retransmission: true,
  });
  effects.push({ type: 'setTimer', timer: 'retransmit', ms: link.timings.retransmitMs });
  return { ...link, transmissions: link.transmissions + 1 };
}

/** True (and the answer re-sent) when `bytes` repeats the last message we accepted. */
export function answerDuplicate(link: LinkState, bytes: Uint8Array, effects: EffectSink): boolean {
  if (!link.lastReceived || !bytesEqual(bytes, link.lastReceived)) return false;
  if (link.answer) {
    const what = link.lastSent?.message === link.answer ? link.lastSent.what : 'answer';
    effects.push({ type: 'send', message: link.answer, what, retransmission: true });
  }
  return true;
}

export function stopTimers(effects: EffectSink): void {
  effects.push({ type: 'clearTimer', timer: 'retransmit' }, { type: 'clearTimer', timer: 'stage' });
}

export function noteError(
  link: LinkState,
  error: ConfiguratorError,
  effects: EffectSink,
): LinkState {
  effects.push({ type: 'ignored', error });
  return { ...link, lastError: error };
}

/**
 * The common path of every received message: a byte-identical repeat is answered as before;
 * otherwise decode and hand to the machine's handler; anything refused is reported, not fatal.
 */
export function receiveMessage<S extends { readonly link: LinkState }, E extends EffectSink>(
  s: S,
  bytes: Uint8Array,
  decodedAlready: DppMessage | undefined,
  effects: E,
  handle: (s: S, msg: DppMessage, bytes: Uint8Array, effects: E) => S | ConfiguratorError,
): S {
  if (answerDuplicate(s.link, bytes, effects)) return s;
  let msg = decodedAlready;
  if (msg === undefined) {
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) return { ...s, link: noteError(s.link, decoded.error, effects) };
    msg = decoded.value;
  }
  const r = handle(s, msg, bytes, effects);
  if (r instanceof ConfiguratorError) return { ...s, link: noteError(s.link, r, effects) };
  return r;
}

export function unexpectedMessage(stageName: string, msg: DppMessage): ConfiguratorError {
  const what = msg.kind === 'dpp' ? frameTypeName(msg.frameType) : msg.kind;
  return new ConfiguratorError(
    ErrorCode.AuthUnexpectedFrame,
    `${what} is not expected while ${stageName}`,
  );
}
