/** The audit log: filters, paging back by id, and CSV for a spreadsheet. */
import { z } from 'zod';
import { exportAuditCsv } from '../../../whitelist/export.js';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import { auditView, toAuditView } from '../views.js';

/** One CSV export at most; narrow it with since/until/kind for more. */
export const AUDIT_CSV_MAX = 100_000;

const time = z.iso.datetime({ offset: true }).transform((t) => new Date(t));

const filters = {
  kind: z.string().max(64).optional(),
  keyHash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .optional(),
  since: time.optional(),
  until: time.optional(),
};

export function auditRoutes(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get(
    '/api/audit',
    {
      schema: {
        summary: 'Audit records, newest first; `next` pages back (pass it as beforeId)',
        tags: ['audit'],
        querystring: z.strictObject({
          ...filters,
          beforeId: z.coerce.number().int().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: {
          200: z.object({ entries: z.array(auditView), next: z.number().nullable() }),
        },
      },
    },
    async (request) => {
      const { limit, ...query } = request.query;
      const rows = ctx.stores.audit.list({ ...query, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        entries: page.map(toAuditView),
        next: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },
  );

  app.get(
    '/api/audit/export',
    {
      schema: {
        summary: `Audit records as CSV, newest first (at most ${AUDIT_CSV_MAX}; filter for more)`,
        tags: ['audit'],
        querystring: z.strictObject(filters),
      },
    },
    async (request, reply) => {
      const rows = ctx.stores.audit.list({ ...request.query, limit: AUDIT_CSV_MAX });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit.csv"')
        .send(exportAuditCsv(rows));
    },
  );
}
