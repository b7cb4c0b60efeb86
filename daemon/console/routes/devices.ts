/**
 * Devices as the daemon knows them (state, reason, what they said about themselves) with their
 * history from the audit log; and the devices heard but not listed, which an admin may add to the
 * whitelist by their announced key once the device in hand has been checked (never automatically:
 * hearing a key is not trusting it).
 */
import { z } from 'zod';
import { findEntry } from '../../../whitelist/find-entry.js';
import { DEVICE_STATES } from '../../../whitelist/types.js';
import { uriOfUnlisted } from '../../../whitelist/unlisted-store.js';
import { resolveKey } from '../../../whitelist/key-input.js';
import { callerOf } from '../auth.js';
import { requireKnownProfile } from '../profiles.js';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import { HttpRefusal } from '../http-errors.js';
import {
  auditView,
  deviceView,
  entryView,
  errorView,
  keyHashParam,
  toAuditView,
  toDeviceView,
  toEntryView,
  toUnlistedView,
  unlistedView,
} from '../views.js';

const HISTORY_MAX = 200;

export function deviceRoutes(app: ConsoleApp, ctx: ConsoleContext): void {
  const { devices, whitelist, audit, unlisted } = ctx.stores;
  const labelOf = (keyHash: string): string | undefined => whitelist.get(keyHash)?.label;

  app.get(
    '/api/devices',
    {
      schema: {
        summary: 'Devices, most recently seen first',
        tags: ['devices'],
        querystring: z.strictObject({
          state: z.enum(DEVICE_STATES).optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(200),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {
          200: z.object({
            counts: z.record(z.string(), z.number()),
            devices: z.array(deviceView),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        counts: devices.countsByState(),
        devices: devices
          .list({ state: q.state, limit: q.limit, offset: q.offset })
          .map((d) => toDeviceView(d, labelOf(d.keyHash))),
      };
    },
  );

  app.get(
    '/api/devices/:hash',
    {
      schema: {
        summary: 'One device: its record, its whitelist entry and its history (newest first)',
        tags: ['devices'],
        params: keyHashParam,
        response: {
          200: z.object({
            device: deviceView.nullable(),
            entry: entryView.nullable(),
            history: z.array(auditView),
          }),
          404: errorView,
        },
      },
    },
    async (request) => {
      const { hash } = request.params;
      // A device may have left the whitelist: then only a full key hash finds its history.
      const keyHash = hash.length === 64 ? hash.toLowerCase() : findEntry(whitelist, hash).keyHash;
      const device = devices.get(keyHash);
      const entry = whitelist.get(keyHash);
      const history = audit.list({ keyHash, limit: HISTORY_MAX });
      if (device === undefined && entry === undefined && history.length === 0)
        throw new HttpRefusal(404, `no device with key hash ${keyHash}`);
      return {
        device: device === undefined ? null : toDeviceView(device, entry?.label),
        entry: entry === undefined ? null : toEntryView(entry),
        history: history.map(toAuditView),
      };
    },
  );

  app.get(
    '/api/unlisted',
    {
      schema: {
        summary: 'Devices heard but not listed (refused as unknown), most recently heard first',
        tags: ['unlisted'],
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
        response: {
          200: z.object({
            totals: z.object({ devices: z.number(), heard: z.number() }),
            devices: z.array(unlistedView),
          }),
        },
      },
    },
    async (request) => ({
      totals: unlisted.totals(),
      devices: unlisted
        .list({ limit: request.query.limit })
        // Listed since it was heard (by the CLI, or another admin): no longer a question.
        .filter((u) => u.keyHash === undefined || whitelist.get(u.keyHash) === undefined)
        .map((u) => toUnlistedView(u, uriOfUnlisted(u))),
    }),
  );

  app.post(
    '/api/unlisted/:id/add',
    {
      schema: {
        summary: 'Add a device heard but not listed to the whitelist, by the key it announced',
        tags: ['unlisted'],
        params: z.object({ id: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a key or chirp hash') }),
        body: z.strictObject({
          label: z.string().max(1024).optional(),
          location: z.string().max(1024).optional(),
          profile: z.string().max(64).optional(),
          notes: z.string().max(1024).optional(),
        }),
        response: { 201: entryView, 400: errorView, 404: errorView, 409: errorView },
      },
    },
    async (request, reply) => {
      const heard = unlisted.get(request.params.id);
      if (heard === undefined)
        throw new HttpRefusal(404, 'no such device among those heard but not listed');
      const uri = uriOfUnlisted(heard);
      if (uri === undefined)
        throw new HttpRefusal(
          400,
          'this device announced no usable key (only its hash): add it by its DPP URI from its label',
        );
      requireKnownProfile(ctx.daemon, request.body.profile);
      const key = resolveKey({ uri });
      if (!key.ok) throw new HttpRefusal(400, key.error.message);
      const added = whitelist.add(
        { ...key.value, ...request.body, notes: request.body.notes ?? `heard at ${heard.address}` },
        callerOf(request).actor,
      );
      unlisted.forget(request.params.id);
      ctx.events.followAudit();
      return reply.code(201).send(toEntryView(added));
    },
  );
}
