/**
 * Fault injection: a device that loses power in the middle of an exchange. Installed on a
 * device's endpoint after the device took it, the tap watches what the device receives and, the
 * first time the given message arrives, reboots the device (all session state lost, it announces
 * again):
 *
 * - `authConfirm`: the Authentication Confirm arrives and the device reboots before reading it
 *   (the configurator believes it authenticated);
 * - `configResponse`: the device reads the Configuration Response and reboots before it sends its
 *   Configuration Result (the configurator has delivered the credentials).
 */
import { decodeMessage, FrameType } from '../../protocol/dpp/frames.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';

export type RebootPoint = 'authConfirm' | 'configResponse';

type FrameHandler = (frame: { src: string; broadcast: boolean; payload: Uint8Array }) => void;

export interface RebootTap {
  readonly point: RebootPoint;
  /** When the device was rebooted (performance.now()), once it was. */
  readonly rebootedAt: number | undefined;
}

function isPoint(bytes: Uint8Array, point: RebootPoint): boolean {
  const m = decodeMessage(bytes);
  if (!m.ok) return false;
  if (point === 'configResponse') return m.value.kind === 'gasInitialResponse';
  return m.value.kind === 'dpp' && m.value.frameType === FrameType.AuthenticationConfirm;
}

/** Reboot `device` once, at `point`; `endpoint` is the one the device already listens on. */
export function installRebootTap(
  endpoint: { onFrame: FrameHandler },
  device: { reboot(): void },
  point: RebootPoint,
): RebootTap {
  const deliver = endpoint.onFrame;
  const reassembler = new Reassembler();
  const tap: { point: RebootPoint; rebootedAt: number | undefined } = {
    point,
    rebootedAt: undefined,
  };
  endpoint.onFrame = (f) => {
    if (tap.rebootedAt !== undefined || f.broadcast) {
      deliver(f);
      return;
    }
    const bytes = reassembler.push(f.src, f.payload, performance.now());
    if (bytes === null || !isPoint(bytes, point)) {
      deliver(f);
      return;
    }
    tap.rebootedAt = performance.now();
    if (point === 'configResponse') deliver(f);
    device.reboot();
  };
  return tap;
}
