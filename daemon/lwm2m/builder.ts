/**
 * The profiles' LwM2M templates, parsed and their files loaded once at start, behind the
 * engine's BundleBuilder: new secrets for a device (called inside the store's getOrCreate, so
 * once per device) and the device's bundle from its stored secrets. The CLI's `lwm2m bundle`
 * goes through the same object and the same getOrCreate, so it shows exactly what the daemon
 * would send.
 */
import { ConfiguratorError, fail, ok, type Result } from '../../protocol/errors.js';
import type { DeviceContext as EngineDevice } from '../engine/delivery.js';
import { generateDeviceCredentials } from './credentials.js';
import { loadTemplateMaterial, type LoadedMaterial } from './material.js';
import type { DeviceContext } from './placeholders.js';
import { renderBundle } from './render.js';
import { parseDeviceSecrets, serializeDeviceSecrets } from './secrets.js';
import { parseTemplate, templateWarnings, type Lwm2mTemplate } from './template.js';
import { DaemonErrorCode } from '../errors.js';

export interface CompiledProfile {
  readonly template: Lwm2mTemplate;
  readonly material: LoadedMaterial;
}

/** What the builder needs of a profile (daemon/config/load.ts Profile has it). */
export interface ProfileLike {
  readonly name: string;
  readonly lwm2m?: unknown;
}

export function toTemplateDevice(device: EngineDevice): DeviceContext {
  return {
    keyHash: device.keyHash,
    mac: device.mac,
    label: device.label,
    serial: device.deviceInfo?.serial,
  };
}

export class Lwm2mBundles {
  private constructor(private readonly profiles: ReadonlyMap<string, CompiledProfile>) {}

  /**
   * Parses and loads every profile's `lwm2m` section (files relative to `baseDir`); the first
   * problem is the error, naming `profiles.<name>.lwm2m.<key>`. Warnings go to `warnings`.
   */
  static load(
    profiles: Iterable<ProfileLike>,
    baseDir: string,
    warnings: string[] = [],
  ): Result<Lwm2mBundles> {
    const compiled = new Map<string, CompiledProfile>();
    for (const p of profiles) {
      if (p.lwm2m === undefined) continue;
      const where = `profiles.${p.name}.lwm2m`;
      const template = parseTemplate(p.lwm2m, where);
      if (!template.ok) return template;
      const material = loadTemplateMaterial(template.value, baseDir, where);
      if (!material.ok) return material;
      warnings.push(...templateWarnings(template.value, where), ...material.value.warnings);
      compiled.set(p.name, { template: template.value, material: material.value });
    }
    return ok(new Lwm2mBundles(compiled));
  }

  has(profile: string): boolean {
    return this.profiles.has(profile);
  }

  get(profile: string): CompiledProfile | undefined {
    return this.profiles.get(profile);
  }

  private compiled(profile: ProfileLike): CompiledProfile {
    const c = this.profiles.get(profile.name);
    if (c === undefined)
      throw new ConfiguratorError(
        DaemonErrorCode.ConfigurationInvalid,
        `profile ${profile.name} has no LwM2M template loaded`,
      );
    return c;
  }

  /** BundleBuilder.generateSecrets: serialised secrets; throws ConfiguratorError (never logs them). */
  generateSecrets(profile: ProfileLike, device: EngineDevice): string {
    const c = this.compiled(profile);
    return serializeDeviceSecrets(
      generateDeviceCredentials(c.template, toTemplateDevice(device), c.material),
    );
  }

  /** BundleBuilder.render: the bundle from the stored secrets. Never throws. */
  render(profile: ProfileLike, device: EngineDevice, secrets: string): Result<Uint8Array> {
    const c = this.profiles.get(profile.name);
    if (c === undefined)
      return fail(
        DaemonErrorCode.ConfigurationInvalid,
        `profile ${profile.name} has no LwM2M template loaded`,
      );
    const parsed = parseDeviceSecrets(secrets);
    if (!parsed.ok) return parsed;
    return renderBundle(c.template, toTemplateDevice(device), parsed.value, c.material);
  }
}
