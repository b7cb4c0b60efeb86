/**
 * The daemon's configuration file (YAML or JSON), as a zod schema: every key, its default and its
 * bounds. Unknown keys are errors (a typo must not silently fall back to a default).
 */
import { z } from 'zod';
import { DPP_TCP_PORT } from '../../protocol/dpp/tcp-framing.js';

const port = z.number().int().min(0).max(65535);
const ms = (min: number, max: number) => z.number().int().min(min).max(max);

/** An SSID is 1–32 octets (IEEE 802.11); zod's max() counts UTF-16 units, so count the bytes. */
const ssid = z.string().superRefine((text, ctx) => {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes < 1 || bytes > 32)
    ctx.addIssue({
      code: 'custom',
      message: `an SSID is 1–32 bytes in UTF-8; this one is ${bytes} bytes (${text.length} characters)`,
    });
});

/** WPA2 passphrase (8–63 printable ASCII) or WPA3 SAE password, given inline or in a file. */
export const wifiSchema = z
  .strictObject({
    ssid,
    /** psk: WPA2-Personal; sae: WPA3-Personal; psk+sae: transition mode (one password for both). */
    akm: z.enum(['psk', 'sae', 'psk+sae']).default('psk'),
    passphrase: z.string().optional(),
    /** A file holding the passphrase (first line), so the config file itself holds no secret. */
    passphraseFile: z.string().optional(),
  })
  .refine((w) => (w.passphrase === undefined) !== (w.passphraseFile === undefined), {
    message: 'give exactly one of passphrase and passphraseFile',
  });

export const profileSchema = z.strictObject({
  wifi: wifiSchema,
  /** Only devices that also authenticate us (they know our bootstrapping key) get this profile. */
  requireMutual: z.boolean().default(false),
  /** Whether a device that was provisioned may be provisioned again (it gets the same credentials). */
  allowReprovision: z.boolean().default(true),
  /** Ask the device for a Connection Status Result (it reports whether it joined the network). */
  connectionStatus: z.boolean().default(true),
  /** The LwM2M factory bundle template (docs/lwm2m.md); checked when the daemon loads it. */
  lwm2m: z.unknown().optional(),
});

/** An ESP-NOW channel (2.4 GHz, 1–14), or `auto`: the channel of the profile's access point. */
const bridgeChannel = z.union([z.number().int().min(1).max(14), z.literal('auto')], {
  error: 'a channel 1–14, or auto',
});

/** One ESP32 bridge of several (`radio.bridges`): one per AP channel, or per area. */
export const bridgeSchema = z.strictObject({
  /** Its serial port: a path (best /dev/serial/by-id/…), or `auto` (discovery, once at most). */
  port: z.string().min(1),
  /** Default 6; `auto`: the channel of its profile's access point. */
  channel: bridgeChannel.optional(),
  /** The profile whose access point it serves (auto channel, channel warnings); default: defaultProfile. */
  profile: z.string().min(1).optional(),
  /** How the log and status call it; default: its port. */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^\p{Cc}]+$/u, 'no control characters')
    .optional(),
});

export const configSchema = z.strictObject({
  radio: z
    .strictObject({
      /**
       * One bridge's serial port: a path, `auto` (discover by USB id), or `none`. Default `auto`;
       * radio.bridges names several instead.
       */
      port: z.string().min(1).optional(),
      baud: z.number().int().min(9600).max(4_000_000).default(921_600),
      /** Wi-Fi channel ESP-NOW runs on (the bridge's and the devices'); default 6. */
      channel: bridgeChannel.optional(),
      /** Several bridges, each on its own channel; instead of radio.port and radio.channel. */
      bridges: z
        .array(bridgeSchema)
        .min(1, 'list at least one bridge (for none: leave radio.bridges out, radio.port: none)')
        .max(16)
        .optional(),
      /** At start, check each profile's network with NetworkManager (docs/site-radio.md). */
      preflight: z.boolean().default(true),
    })
    .prefault({}),
  tcp: z
    .strictObject({
      /** Listen for DPP over TCP (enrollee-initiated sessions, relayed announcements). */
      enabled: z.boolean().default(true),
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(DPP_TCP_PORT),
      /**
       * Connections from one address at most at once (the total is sessions.maxConcurrent). A
       * relay opens one connection per enrollee it relays, so it needs room for its batch.
       */
      maxConnectionsPerAddress: z.number().int().min(1).max(100_000).default(100),
      /** A DPP message whose first byte has arrived must be complete within this. */
      messageTimeoutMs: ms(100, 600_000).default(5000),
      /**
       * One connection's whole exchange must be over within this. Default: what the session
       * timeouts allow an exchange (see load.ts), so a slow but legitimate session is not cut.
       */
      connectionTimeoutMs: ms(1000, 3_600_000).optional(),
    })
    .prefault({}),
  sessions: z
    .strictObject({
      maxConcurrent: z.number().int().min(1).max(100_000).default(1000),
      retransmitMs: ms(50, 60_000).default(1000),
      maxTransmissions: z.number().int().min(1).max(20).default(5),
      authTimeoutMs: ms(100, 600_000).default(10_000),
      configTimeoutMs: ms(100, 600_000).default(10_000),
      connStatusTimeoutMs: ms(100, 600_000).default(30_000),
      /** At most one announcement per peer is acted on in this interval; the rest are dropped. */
      announceIntervalMs: ms(0, 600_000).default(1000),
      /**
       * A whitelisted device heard while the air is full of our own traffic waits for its turn;
       * its announcement is answered only if it is at most this old (it announces again anyway).
       */
      waitingMaxAgeMs: ms(0, 600_000).default(30_000),
      /** How long to wait for sessions to finish on SIGINT/SIGTERM before parking them. */
      shutdownGraceMs: ms(0, 600_000).default(5000),
    })
    .prefault({}),
  /** The profile a whitelist entry without one gets. */
  defaultProfile: z.string().min(1).default('default'),
  profiles: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), profileSchema).default({}),
  /** The console: HTTP API and web page (docs/console.md). */
  console: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Loopback unless the admin opens it to the site network on purpose. */
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(8909),
      /**
       * auto: HTTPS unless the host is a loopback address (a phone's browser gives its camera only
       * to pages served over HTTPS or from localhost); on: HTTPS always; off: plain HTTP always.
       */
      tls: z.enum(['auto', 'on', 'off']).default('auto'),
      /** A certificate (PEM, chain allowed) and its key; without them one is made at first start. */
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
    })
    .refine((c) => (c.certFile === undefined) === (c.keyFile === undefined), {
      message: 'give both certFile and keyFile, or neither',
    })
    .refine((c) => c.tls !== 'off' || c.certFile === undefined, {
      message: 'certFile and keyFile are given but tls is off',
    })
    .prefault({}),
  /** Discovery of devices over Bluetooth LE (docs/ble-discovery.md): heard, never admitted. */
  ble: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** The adapter to scan with, as Linux names it (`hciconfig`, /sys/class/bluetooth). */
      adapter: z
        .string()
        .regex(/^hci\d{1,3}$/, 'an adapter name as Linux gives it: hci0, hci1 …')
        .default('hci0'),
      /** A connection to read a device's URI must be done within this, else it is dropped. */
      connectTimeoutMs: ms(1000, 60_000).default(10_000),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
      /** auto: readable on a terminal, JSON lines otherwise (journald, files). */
      format: z.enum(['auto', 'pretty', 'json']).default('auto'),
    })
    .prefault({}),
});

export type ConfigFile = z.infer<typeof configSchema>;
export type ProfileConfig = z.infer<typeof profileSchema>;
export type BridgeConfig = z.infer<typeof bridgeSchema>;
