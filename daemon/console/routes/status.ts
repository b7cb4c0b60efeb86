/**
 * The daemon's state: links (with why one is down), sessions, counters, whitelist and device
 * totals; our identity (URI and QR code, for devices that pin their configurator); `/healthz` and
 * `/metrics` for monitoring (both need a token like every other request).
 */
import QRCode from 'qrcode';
import { z } from 'zod';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import { metricsText, type ExchangeDurations } from '../metrics.js';

/** A radio link: up, or why it is down and its retries; what the bridge said of itself. */
const linkFields = {
  up: z.boolean(),
  downReason: z.string().optional(),
  lastAttemptAt: z.string().optional(),
  nextAttemptAt: z.string().optional(),
  mac: z.string().optional(),
  channel: z.number().optional(),
  firmware: z.string().optional(),
};

const bridgeView = z.object({
  name: z.string(),
  port: z.string(),
  path: z.string().optional(),
  profile: z.string(),
  configuredChannel: z.union([z.number(), z.literal('auto')]),
  plannedChannel: z.number(),
  channelSource: z.enum(['fixed', 'access point', 'fallback', 'kept']),
  channelWarning: z.string().optional(),
  ...linkFields,
});

const statusView = z.object({
  version: z.string(),
  startedAt: z.string(),
  radio: z
    .object({
      port: z.string(),
      ...linkFields,
      /** Each bridge: its channel (configured, planned, actual), up or why down, its warning. */
      bridges: z.array(bridgeView).optional(),
    })
    .nullable(),
  tcp: z.object({ host: z.string(), port: z.number() }).nullable(),
  sessions: z.object({ active: z.number(), waiting: z.number() }),
  devices: z.record(z.string(), z.number()),
  whitelist: z.object({ entries: z.number() }),
  unlisted: z.object({ devices: z.number(), heard: z.number() }),
  counters: z.record(z.string(), z.number()),
  refusals: z.record(z.string(), z.number()),
  link: z.record(z.string(), z.number()).nullable(),
  /** Bluetooth LE discovery, when enabled: the adapter's state, why it is off, its counters. */
  ble: z
    .object({
      adapter: z.string(),
      state: z.string(),
      scanning: z.boolean(),
      offReason: z.string().optional(),
      counters: z.object({ heard: z.number(), read: z.number(), refused: z.number() }),
    })
    .nullable(),
  /** The profiles a whitelist entry may name, the default first. */
  profiles: z.array(z.string()),
});

export type StatusView = z.infer<typeof statusView>;

export function statusOf(ctx: ConsoleContext): StatusView {
  const s = ctx.daemon.status();
  return {
    version: s.version,
    startedAt: s.startedAt,
    radio:
      s.radio === null
        ? null
        : {
            ...s.radio,
            ...(s.radio.bridges === undefined ? {} : { bridges: [...s.radio.bridges] }),
          },
    tcp: s.tcp,
    sessions: { active: s.activeSessions, waiting: s.waitingSessions ?? 0 },
    devices: ctx.stores.devices.countsByState(),
    whitelist: { entries: ctx.stores.whitelist.count() },
    unlisted: ctx.stores.unlisted.totals(),
    counters: { ...s.counters },
    refusals: Object.fromEntries(ctx.daemon.engine.refusalTotals),
    link: s.link === null ? null : { ...s.link },
    ble: s.ble ?? null,
    profiles: [...ctx.daemon.profileNames],
  };
}

export function statusRoutes(
  app: ConsoleApp,
  ctx: ConsoleContext,
  durations: ExchangeDurations,
): void {
  app.get(
    '/api/status',
    {
      schema: {
        summary: 'Links, sessions, counters and totals',
        tags: ['status'],
        response: { 200: statusView },
      },
    },
    async () => statusOf(ctx),
  );

  app.get(
    '/api/identity',
    {
      schema: {
        summary: 'Our DPP URI and its QR code (SVG), for devices that pin their configurator',
        tags: ['status'],
        response: { 200: z.object({ uri: z.string(), qrSvg: z.string() }) },
      },
    },
    async () => {
      const uri = ctx.daemon.identityUri();
      const qrSvg = await QRCode.toString(uri, {
        type: 'svg',
        errorCorrectionLevel: 'L',
        margin: 2,
      });
      return { uri, qrSvg };
    },
  );

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'ok while the daemon runs; says whether the radio link is up',
        tags: ['status'],
        response: {
          200: z.object({ status: z.literal('ok'), radio: z.enum(['up', 'down', 'none']) }),
        },
      },
    },
    async () => {
      const radio = ctx.daemon.status().radio;
      return {
        status: 'ok' as const,
        radio: radio === null ? ('none' as const) : radio.up ? ('up' as const) : ('down' as const),
      };
    },
  );

  app.get(
    '/metrics',
    { schema: { summary: "Prometheus' text format", tags: ['status'] } },
    async (_request, reply) =>
      reply
        .type('text/plain; version=0.0.4; charset=utf-8')
        .send(metricsText(ctx.daemon, ctx.stores, durations)),
  );
}
