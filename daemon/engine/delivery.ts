/**
 * What a device receives: the Configuration Object of its profile (Wi-Fi network and credential)
 * plus, when the profile has an LwM2M template, its factory bundle built from per-device secrets
 * that are generated once and stored (so every retry and every re-provisioning delivers the very
 * same credentials).
 */
import { encodeConfigurationObject, type DeviceInfo } from '../../protocol/dpp/config-object.js';
import { ConfiguratorError, type Result } from '../../protocol/errors.js';
import type { Profile } from './profile.js';
import type { SecretPort } from './ports.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';
import { DaemonErrorCode } from '../errors.js';

export interface DeviceContext {
  readonly keyHash: string;
  readonly mac?: string | undefined;
  readonly label?: string | undefined;
  readonly deviceInfo?: DeviceInfo | undefined;
}

/** Builds a profile's LwM2M bundle for a device from its stored secrets (daemon/lwm2m). */
export interface BundleBuilder {
  /** New secrets for a device, serialised; called once per device, under the store's lock. */
  generateSecrets(profile: Profile, device: DeviceContext): string;
  render(profile: Profile, device: DeviceContext, secrets: string): Result<Uint8Array>;
}

export interface DeliveryResult {
  readonly configObject: Uint8Array;
  /** Whether this call created the device's secrets (first delivery). */
  readonly secretsCreated: boolean;
  readonly bundleBytes: number;
}

export class Delivery {
  constructor(
    private readonly secrets: SecretPort,
    private readonly bundles?: BundleBuilder | undefined,
  ) {}

  build(profile: Profile, device: DeviceContext): Result<DeliveryResult> {
    let lwm2mBundle: Uint8Array | undefined;
    let secretsCreated = false;
    if (profile.lwm2m !== undefined) {
      if (this.bundles === undefined) {
        return {
          ok: false,
          error: new ConfiguratorError(
            DaemonErrorCode.ConfigurationInvalid,
            `profile ${profile.name} has an lwm2m section but no bundle builder is configured`,
          ),
        };
      }
      const bundles = this.bundles;
      // Making the secrets can fail for this device (its template needs a field it did not
      // report, the store is locked): a refusal with the reason, never an exception that would
      // leave the session without an answer.
      let stored: { secrets: string; created: boolean };
      try {
        stored = this.secrets.getOrCreate(device.keyHash, profile.name, () =>
          bundles.generateSecrets(profile, device),
        );
      } catch (e) {
        const error =
          e instanceof ConfiguratorError
            ? e
            : new ConfiguratorError(
                WhitelistErrorCode.StoreBadRecord,
                `cannot store the LwM2M secrets of ${device.keyHash}: ${e instanceof Error ? e.message : String(e)}`,
              );
        return { ok: false, error };
      }
      secretsCreated = stored.created;
      const rendered = bundles.render(profile, device, stored.secrets);
      if (!rendered.ok) return rendered;
      lwm2mBundle = rendered.value;
    }
    const configObject = encodeConfigurationObject({
      ssid: new TextEncoder().encode(profile.ssid),
      credential: profile.credential,
      lwm2mBundle,
    });
    return {
      ok: true,
      value: { configObject, secretsCreated, bundleBytes: lwm2mBundle?.length ?? 0 },
    };
  }
}
