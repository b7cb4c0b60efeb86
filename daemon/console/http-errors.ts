/**
 * Errors as the API answers them: `{ error, code? }` with the status that says whose fault it is.
 * What the caller got wrong is 4xx with the reason; anything else is 500 with no detail (it is
 * logged), so an internal message never reaches a browser.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { ConfiguratorError } from '../../protocol/errors.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';

/** A refusal a route decides on: its status and the reason for the caller. */
export class HttpRefusal extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

const STATUS_OF_STORE_ERROR = new Map<number, number>([
  [WhitelistErrorCode.WhitelistNotFound, 404],
  [WhitelistErrorCode.WhitelistDuplicate, 409],
  [WhitelistErrorCode.WhitelistBadEntry, 400],
  [WhitelistErrorCode.WhitelistAmbiguousPrefix, 400],
]);

export function answerError(
  log: Logger,
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const where = { method: request.method, url: request.url, ip: request.ip };
  if (error instanceof HttpRefusal) {
    log.info({ ...where, status: error.statusCode }, `console refused: ${error.message}`);
    return reply.code(error.statusCode).send({ error: error.message, ...error.extra });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = error.validation.map((v) => {
      const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return `${error.validationContext ?? 'request'}${path === '' ? '' : `.${path}`}: ${v.message ?? 'invalid'}`;
    });
    log.info({ ...where, problems }, 'console refused: invalid request');
    return reply.code(400).send({ error: problems.join('; ') });
  }
  if (error instanceof ConfiguratorError) {
    const status = STATUS_OF_STORE_ERROR.get(error.code);
    if (status !== undefined) {
      log.info({ ...where, status }, `console refused: ${error.message}`);
      return reply.code(status).send({ error: error.message });
    }
  }
  const status = (error as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // fastify's own refusals (a body too large, bad JSON, an unsupported content type).
    log.info({ ...where, status }, `console refused: ${error.message}`);
    return reply.code(status).send({ error: error.message });
  }
  log.error({ ...where, err: error.message }, 'console: internal error');
  return reply.code(500).send({ error: 'internal error (logged by the daemon)' });
}
