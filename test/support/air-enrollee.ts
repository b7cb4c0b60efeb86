/**
 * The engine tests' device on the in-memory air: the simulator's device (enrollee-sim/site/
 * sim-device.ts) with a fixed chirp interval, exposing its outcome and configuration.
 */
import type { EnrolleeOutcome } from '../../protocol/dpp/session/types.js';
import type { ConfigurationObject } from '../../protocol/dpp/config-object.js';
import {
  SimDevice,
  type AirEndpoint as SimAirEndpoint,
  type SimDeviceOptions,
} from '../../enrollee-sim/site/sim-device.js';
import type { RadioFrame } from '../../daemon/transports/radio-transport.js';

/** What the enrollee needs of the air: an in-memory endpoint or a node on the simulated radio. */
export interface AirEndpoint {
  readonly mac: string;
  onFrame: (frame: RadioFrame) => void;
  send(dst: string, payload: Uint8Array): Promise<unknown>;
}

export type AirEnrolleeOptions = Omit<SimDeviceOptions, 'maxChirpMs'>;

export class AirEnrollee {
  private readonly device: SimDevice;
  outcome: EnrolleeOutcome | undefined;
  readonly done: Promise<EnrolleeOutcome>;

  constructor(endpoint: AirEndpoint, options: AirEnrolleeOptions) {
    const air: SimAirEndpoint = {
      mac: endpoint.mac,
      onFrame: () => {},
      send: (dst, payload) => endpoint.send(dst, payload),
    };
    endpoint.onFrame = (f) => air.onFrame(f);
    const chirpMs = options.chirpMs ?? 200;
    this.device = new SimDevice(air, { ...options, chirpMs, maxChirpMs: chirpMs });
    this.done = this.device.done.then((r) => (this.outcome = r.outcome));
  }

  get config(): ConfigurationObject | undefined {
    return this.device.config;
  }

  start(): this {
    this.device.start();
    return this;
  }

  stop(): void {
    this.device.stop();
  }
}

export const TEST_SSID = 'Plant-IoT';
export const TEST_PASSPHRASE = 'correct horse battery staple';
