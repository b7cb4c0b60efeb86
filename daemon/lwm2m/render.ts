/**
 * One device's factory bundle: the template with the device's values and its stored secrets,
 * as the SenML CBOR bytes of the `lwm2m_bundle` member (protocol/lwm2m validates, sorts and
 * encodes it, and refuses more than 4096 bytes).
 *
 * Layout: servers[i] is Security instance /0/i; the accounts with a Server instance are /1/0,
 * /1/1 … in template order; Device resources are /3/0/*. Per account:
 *   - psk: /0/i/3 the identity (UTF-8 bytes), /0/i/5 the key (raw bytes);
 *   - certificate: /0/i/3 the device certificate (DER), /0/i/4 the server certificate (DER) when
 *     configured, /0/i/5 the device private key as unencrypted PKCS#8 DER, which is what Anjay's
 *     factory provisioning tool writes there (cert_gen.py: PrivateFormat.PKCS8, Encoding.DER);
 *   - nosec: no key material.
 */
import { toHex } from '../../protocol/bytes.js';
import { fail, type Result } from '../../protocol/errors.js';
import { buildBundle } from '../../protocol/lwm2m/bundle.js';
import { SecurityMode } from '../../protocol/lwm2m/registry.js';
import type { LoadedMaterial } from './material.js';
import {
  deviceValues,
  renderPattern,
  type DeviceContext,
  type Placeholder,
} from './placeholders.js';
import { accountName, type DeviceLwm2mSecrets } from './secrets.js';
import { DEVICE_RESOURCES, type Lwm2mTemplate } from './template.js';
import { DaemonErrorCode } from '../errors.js';

const MODE_VALUE = {
  psk: SecurityMode.Psk,
  certificate: SecurityMode.Certificate,
  nosec: SecurityMode.NoSec,
} as const;

const te = new TextEncoder();

function opaque(bytes: Uint8Array): { hex: string } {
  return { hex: toHex(bytes) };
}

class RenderError extends Error {
  constructor(readonly result: Result<never>) {
    super('render');
  }
}

/** The bundle bytes for one device. Never throws. */
export function renderBundle(
  template: Lwm2mTemplate,
  device: DeviceContext,
  secrets: DeviceLwm2mSecrets,
  material: LoadedMaterial,
): Result<Uint8Array> {
  const base = deviceValues(device);
  if (!base.ok) return base;
  const values = new Map<Placeholder, string | undefined>(base.value);
  values.set('endpoint', secrets.endpoint);
  const hash = values.get('keyHash')!.slice(0, 16);
  const render = (pattern: string, where: string): string => {
    const r = renderPattern(pattern, values, where);
    if (!r.ok) throw new RenderError(r);
    return r.value;
  };
  const stale = (message: string): never => {
    throw new RenderError(
      fail(
        DaemonErrorCode.Lwm2mSecretsInvalid,
        `device ${hash}: its stored LwM2M secrets do not fit the template (${message}); they were made for an earlier version of it`,
      ),
    );
  };

  const desc: Record<string, unknown> = {};
  try {
    let serverIid = 0;
    template.servers.forEach((s, i) => {
      const name = accountName(s);
      const stored = secrets.accounts.find((a) => a.account === name);
      if (stored === undefined) stale(`no account ${name}`);
      else if (stored.mode !== s.securityMode)
        stale(`account ${name} is ${stored.mode} there, ${s.securityMode} here`);
      const sec = `/0/${i}`;
      desc[`${sec}/0`] = s.uri;
      desc[`${sec}/1`] = s.bootstrap;
      desc[`${sec}/2`] = MODE_VALUE[s.securityMode];
      if (stored?.mode === 'psk') {
        desc[`${sec}/3`] = opaque(te.encode(stored.identity));
        desc[`${sec}/5`] = { hex: stored.key };
      }
      if (stored?.mode === 'certificate') {
        const cert = secrets.certificate ?? stale('no device certificate');
        desc[`${sec}/3`] = opaque(Buffer.from(cert.certificate, 'base64'));
        const serverCert = material.serverCertificates.get(i);
        if (serverCert !== undefined) desc[`${sec}/4`] = opaque(serverCert);
        desc[`${sec}/5`] = opaque(Buffer.from(cert.privateKey, 'base64'));
      }
      if (s.shortServerId !== undefined) desc[`${sec}/10`] = s.shortServerId;
      if (s.clientHoldOffTime !== undefined) desc[`${sec}/11`] = s.clientHoldOffTime;
      if (s.bootstrapAccountTimeout !== undefined) desc[`${sec}/12`] = s.bootstrapAccountTimeout;
      if (s.sni !== undefined) desc[`${sec}/14`] = s.sni;
      if (s.bootstrap) return;

      const srv = `/1/${serverIid++}`;
      desc[`${srv}/0`] = s.shortServerId;
      desc[`${srv}/1`] = s.lifetime ?? 86400;
      if (s.defaultMinPeriod !== undefined) desc[`${srv}/2`] = s.defaultMinPeriod;
      if (s.defaultMaxPeriod !== undefined) desc[`${srv}/3`] = s.defaultMaxPeriod;
      if (s.disableTimeout !== undefined) desc[`${srv}/5`] = s.disableTimeout;
      desc[`${srv}/6`] = s.notificationStoring ?? false;
      desc[`${srv}/7`] = s.binding ?? 'U';
    });

    for (const [key, rid] of DEVICE_RESOURCES) {
      const pattern = template.device?.[key];
      if (pattern !== undefined) desc[`/3/0/${rid}`] = render(pattern, `lwm2m.device.${key}`);
    }

    template.objects.forEach((o, oi) => {
      o.instances.forEach((inst, ii) => {
        for (const [rid, v] of Object.entries(inst.values)) {
          const where = `lwm2m.objects.${oi}.instances.${ii}.values.${rid}`;
          const path = `/${o.id}/${inst.id}/${Number(rid)}`;
          if (typeof v === 'string') desc[path] = render(v, where);
          else if (typeof v === 'object' && 'text' in v)
            desc[path] = { text: render(v.text, where) };
          else desc[path] = v;
        }
      });
    });
  } catch (e) {
    if (e instanceof RenderError) return e.result;
    throw e;
  }

  const bytes = buildBundle(JSON.stringify(desc), material.registry);
  if (!bytes.ok)
    return fail(bytes.error.code, `LwM2M bundle for device ${hash}: ${bytes.error.message}`);
  return bytes;
}
