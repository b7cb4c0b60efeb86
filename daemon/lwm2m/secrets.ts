/**
 * A device's LwM2M secrets as they are stored (whitelist/secret-store.ts keeps the JSON text):
 * made once per device, then every bundle for the device is rendered from them, so a device
 * provisioned again gets what its servers already know.
 *
 *   { "version": 1,
 *     "endpoint": "dpp-0123456789abcdef",
 *     "accounts": [ { "account": "server:1", "mode": "psk", "identity": "…", "key": "<hex>" },
 *                   { "account": "bootstrap", "mode": "certificate" } ],
 *     "certificate": { "certificate": "<base64 DER>", "privateKey": "<base64 PKCS#8 DER>",
 *                      "selfSigned": false } }
 *
 * An account is named by its Short Server ID ("server:1") or "bootstrap", so reordering the
 * template's servers keeps each account's key. One certificate and key pair per device serves
 * every certificate account; PSK keys are per account, so one server never learns another's key.
 * Messages never quote the text: it is secret.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../errors.js';

const hex = z.string().regex(/^(?:[0-9a-f]{2})+$/, 'lowercase hex');
const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64');
export const accountNameSchema = z
  .string()
  .regex(/^(?:bootstrap|server:[1-9][0-9]{0,4})$/, 'an account name');

export const accountSecretsSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    account: accountNameSchema,
    mode: z.literal('psk'),
    identity: z.string().min(1),
    key: hex,
  }),
  z.strictObject({ account: accountNameSchema, mode: z.literal('certificate') }),
  z.strictObject({ account: accountNameSchema, mode: z.literal('nosec') }),
]);

export const deviceSecretsSchema = z.strictObject({
  version: z.literal(1),
  endpoint: z.string().min(1),
  accounts: z.array(accountSecretsSchema),
  certificate: z
    .strictObject({
      certificate: base64,
      privateKey: base64,
      selfSigned: z.boolean(),
    })
    .optional(),
});

export type DeviceLwm2mSecrets = z.infer<typeof deviceSecretsSchema>;
export type AccountSecrets = z.infer<typeof accountSecretsSchema>;

/** The stored name of a template account. */
export function accountName(server: {
  bootstrap: boolean;
  shortServerId?: number | undefined;
}): string {
  return server.bootstrap ? 'bootstrap' : `server:${server.shortServerId ?? 0}`;
}

export function serializeDeviceSecrets(secrets: DeviceLwm2mSecrets): string {
  return JSON.stringify(secrets);
}

/** Stored text → secrets; the error says what is wrong, never what the text holds. */
export function parseDeviceSecrets(text: string): Result<DeviceLwm2mSecrets> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail(DaemonErrorCode.Lwm2mSecretsInvalid, 'stored LwM2M secrets are not valid JSON');
  }
  const parsed = deviceSecretsSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`)
      .join('; ');
    return fail(
      DaemonErrorCode.Lwm2mSecretsInvalid,
      `stored LwM2M secrets are malformed: ${where}`,
    );
  }
  return ok(parsed.data);
}
