/**
 * The whitelist over HTTP, with the CLI's rules: the same key forms, the same all-or-nothing
 * import with its per-line problems, the store writing each change and its audit record (naming
 * who made it) in one transaction. A profile the daemon does not have is refused here, where the
 * profiles are known, instead of when the device announces itself.
 */
import { z } from 'zod';
import { encodeBootstrapKey, parseBootstrapKey } from '../../../protocol/dpp/bootstrap-key.js';
import { attempt } from '../../../protocol/errors.js';
import { exportWhitelist, EXPORT_FORMATS } from '../../../whitelist/export.js';
import { findEntry } from '../../../whitelist/find-entry.js';
import { IMPORT_FORMATS, parseImportFile } from '../../../whitelist/import.js';
import { CSV_DELIMITERS } from '../../../whitelist/csv.js';
import { resolveKey } from '../../../whitelist/key-input.js';
import { WHITELIST_STATUSES, type WhitelistEntry } from '../../../whitelist/types.js';
import { callerOf } from '../auth.js';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import { HttpRefusal } from '../http-errors.js';
import { requireKnownProfile } from '../profiles.js';
import { checkRowProfiles } from '../../service/known-profiles.js';
import { entryView, errorView, keyHashParam, toEntryView } from '../views.js';

/** An import's text: the CLI takes files up to 64 MiB; a browser upload of more is a mistake. */
export const MAX_IMPORT_REQUEST_BYTES = 16 * 1024 * 1024;

const text = z.string().max(1024);
const fields = {
  label: text.optional(),
  location: text.optional(),
  profile: z.string().max(64).optional(),
  notes: text.optional(),
};
const clearable = text.nullable().optional();

const listQuery = z.strictObject({
  search: z.string().max(200).optional(),
  status: z.enum(WHITELIST_STATUSES).optional(),
  profile: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

function matches(e: WhitelistEntry, search: string): boolean {
  const needle = search.toLowerCase();
  return [e.keyHash, e.label, e.location, e.notes, e.uri, e.chirpHash].some(
    (v) => v !== undefined && v.toLowerCase().includes(needle),
  );
}

/** A public key as an admin pastes it: PEM, or base64 of the DER. Compressed as URIs carry it. */
function publicKeyOf(given: string): Uint8Array {
  const pem = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(given);
  const base64 = (pem === null ? given : pem[1]!).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64))
    throw new HttpRefusal(400, 'publicKey: not PEM or base64 of a DER SubjectPublicKeyInfo');
  const parsed = attempt(() => parseBootstrapKey(new Uint8Array(Buffer.from(base64, 'base64'))));
  if (!parsed.ok) throw new HttpRefusal(400, `publicKey: ${parsed.error.message}`);
  return encodeBootstrapKey(parsed.value.point).der;
}

export function whitelistRoutes(app: ConsoleApp, ctx: ConsoleContext): void {
  const store = ctx.stores.whitelist;
  const edited = (): void => ctx.events.followAudit();

  app.get(
    '/api/whitelist',
    {
      schema: {
        summary: 'Whitelist entries, oldest first, with search and filters',
        tags: ['whitelist'],
        querystring: listQuery,
        response: { 200: z.object({ total: z.number(), entries: z.array(entryView) }) },
      },
    },
    async (request) => {
      const q = request.query;
      const all = store
        .list({ status: q.status })
        .filter((e) => q.profile === undefined || (e.profile ?? '') === q.profile)
        .filter((e) => q.search === undefined || matches(e, q.search));
      return {
        total: all.length,
        entries: all.slice(q.offset, q.offset + q.limit).map(toEntryView),
      };
    },
  );

  app.get(
    '/api/whitelist/export',
    {
      schema: {
        summary: 'Every entry as CSV or JSON (no secrets); importing it gives the same list',
        tags: ['whitelist'],
        querystring: z.strictObject({ format: z.enum(EXPORT_FORMATS).default('csv') }),
      },
    },
    async (request, reply) => {
      const { format } = request.query;
      const body = exportWhitelist(store.list(), format);
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="whitelist.${format}"`)
        .send(body);
    },
  );

  app.get(
    '/api/whitelist/:hash',
    {
      schema: {
        summary: 'One entry, by key hash or a unique prefix of 8+ hex digits',
        tags: ['whitelist'],
        params: keyHashParam,
        response: { 200: entryView, 404: errorView },
      },
    },
    async (request) => toEntryView(findEntry(store, request.params.hash)),
  );

  app.post(
    '/api/whitelist',
    {
      schema: {
        summary: 'Add one device by DPP URI, key hash or public key',
        tags: ['whitelist'],
        body: z.strictObject({
          uri: z.string().max(2048).optional(),
          hash: z.string().max(128).optional(),
          publicKey: z.string().max(4096).optional(),
          ...fields,
        }),
        response: { 201: entryView, 400: errorView, 409: errorView },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const given = [b.uri, b.hash, b.publicKey].filter((v) => v !== undefined);
      if (given.length !== 1)
        throw new HttpRefusal(400, 'give exactly one of uri, hash or publicKey');
      requireKnownProfile(ctx.daemon, b.profile);
      const key = resolveKey(
        b.uri !== undefined
          ? { uri: b.uri.trim() }
          : b.hash !== undefined
            ? { hash: b.hash.trim() }
            : { publicKey: publicKeyOf(b.publicKey!) },
      );
      if (!key.ok) throw new HttpRefusal(400, key.error.message);
      const added = store.add(
        { ...key.value, label: b.label, location: b.location, profile: b.profile, notes: b.notes },
        callerOf(request).actor,
      );
      edited();
      return reply.code(201).send(toEntryView(added));
    },
  );

  app.patch(
    '/api/whitelist/:hash',
    {
      schema: {
        summary: 'Change status, label, location, profile or notes (null clears a field)',
        tags: ['whitelist'],
        params: keyHashParam,
        body: z.strictObject({
          status: z.enum(WHITELIST_STATUSES).optional(),
          label: clearable,
          location: clearable,
          profile: z.string().max(64).nullable().optional(),
          notes: clearable,
        }),
        response: { 200: entryView, 400: errorView, 404: errorView },
      },
    },
    async (request) => {
      const b = request.body;
      if (Object.keys(b).length === 0)
        throw new HttpRefusal(
          400,
          'nothing to change: give status, label, location, profile or notes',
        );
      requireKnownProfile(ctx.daemon, b.profile);
      const { keyHash } = findEntry(store, request.params.hash);
      const actor = callerOf(request).actor;
      // A status change is recorded as the CLI's enable/disable/revoke record it.
      const { status, ...fields } = b;
      if (status !== undefined) store.setStatus(keyHash, status, actor);
      const after =
        Object.keys(fields).length > 0 ? store.update(keyHash, fields, actor) : store.get(keyHash)!;
      edited();
      return toEntryView(after);
    },
  );

  app.delete(
    '/api/whitelist/:hash',
    {
      schema: {
        summary: "Remove an entry (the device's history, audit records and secrets stay)",
        tags: ['whitelist'],
        params: keyHashParam,
        response: { 200: entryView, 404: errorView },
      },
    },
    async (request) => {
      const removed = store.remove(
        findEntry(store, request.params.hash).keyHash,
        callerOf(request).actor,
      );
      edited();
      return toEntryView(removed);
    },
  );

  app.post(
    '/api/whitelist/import',
    {
      bodyLimit: MAX_IMPORT_REQUEST_BYTES,
      schema: {
        summary: 'Import CSV, a URI list or JSON: all or nothing unless skipInvalid',
        tags: ['whitelist'],
        body: z.strictObject({
          format: z.enum(IMPORT_FORMATS),
          text: z.string(),
          /** Named in the audit record. */
          source: z.string().max(200).optional(),
          skipInvalid: z.boolean().default(false),
          /** CSV: the separator; by default taken from the header line. */
          delimiter: z.enum(CSV_DELIMITERS).optional(),
          /** CSV: leave out columns the whitelist has no place for (named in `warnings`). */
          ignoreUnknownColumns: z.boolean().default(false),
        }),
        response: {
          200: z.object({
            applied: z.boolean(),
            added: z.number(),
            unchanged: z.number(),
            problems: z.array(z.object({ where: z.string(), reason: z.string() })),
            warnings: z.array(z.string()),
          }),
          400: errorView,
          422: errorView,
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.format !== 'csv' && b.delimiter !== undefined)
        throw new HttpRefusal(400, 'delimiter: for CSV only');
      const parsed = parseImportFile(b.text, b.format, {
        delimiter: b.delimiter,
        ignoreUnknownColumns: b.ignoreUnknownColumns,
      });
      if (!parsed.ok) throw new HttpRefusal(400, parsed.error.message);
      const { warnings } = parsed.value;
      const checked = checkRowProfiles(parsed.value.rows, ctx.daemon.profileNames);
      const outcome = store.importEntries(checked, {
        actor: callerOf(request).actor,
        source: b.source ?? 'console upload',
        skipInvalid: b.skipInvalid,
      });
      edited();
      if (!outcome.applied) {
        const n = outcome.problems.length;
        throw new HttpRefusal(
          422,
          `${n} bad ${n === 1 ? 'row' : 'rows'}, nothing imported (skipInvalid imports the good rows)`,
          { problems: outcome.problems, warnings },
        );
      }
      return reply.send({ ...outcome, problems: [...outcome.problems], warnings });
    },
  );
}
