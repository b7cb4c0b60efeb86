/**
 * The control socket's protocol (docs/control-socket.md): one request per connection, one JSON
 * object on one line; the daemon answers with zero or more `progress` lines and then exactly one
 * `outcome` or `error` line, and closes. Shared by the daemon (control-socket.ts) and the CLI
 * (cli/support/control-client.ts), so both read the same schema.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { fail, ok, type Result } from '../../protocol/errors.js';
import { DEVICE_STATES } from '../../whitelist/types.js';
import { describeIssues } from '../config/load.js';
import { DaemonErrorCode } from '../errors.js';

export const CONTROL_SOCKET_FILE = 'control.sock';
/** A request is one short line; anything longer is refused before it is parsed. */
export const MAX_REQUEST_BYTES = 4096;
/** A reply carries a reason or two; the client refuses longer lines. */
export const MAX_REPLY_BYTES = 64 * 1024;

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET_FILE);
}

const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[^\s\p{Cc}]+$/u, 'a host name or IP address, without spaces');

const connectRequest = z.strictObject({
  op: z.literal('connect'),
  /** Where the enrollee listens for DPP over TCP. */
  host: hostName,
  port: z.number().int().min(1).max(65535),
  /** Its whitelist entry: the key hash, or a unique prefix of at least 8 hex digits. */
  device: z.string().min(1).max(64),
});

export const controlRequest = z.discriminatedUnion('op', [connectRequest]);
export type ControlRequest = z.infer<typeof controlRequest>;
export type ConnectRequest = z.infer<typeof connectRequest>;

const deviceState = z.enum(DEVICE_STATES);

const progressReply = z.strictObject({
  type: z.literal('progress'),
  keyHash: z.string(),
  state: deviceState,
});
const outcomeReply = z.strictObject({
  type: z.literal('outcome'),
  keyHash: z.string(),
  /** ip:port of the connection the session ran on. */
  peer: z.string(),
  state: deviceState,
  reason: z.string().optional(),
  label: z.string().optional(),
});
const errorReply = z.strictObject({
  type: z.literal('error'),
  code: z.number().int(),
  name: z.string(),
  message: z.string(),
  keyHash: z.string().optional(),
});

export const controlReply = z.discriminatedUnion('type', [progressReply, outcomeReply, errorReply]);
export type ControlReply = z.infer<typeof controlReply>;
export type ProgressReply = z.infer<typeof progressReply>;
export type OutcomeReply = z.infer<typeof outcomeReply>;
export type ErrorReply = z.infer<typeof errorReply>;

/** One request line (without its newline), checked against the schema. */
export function parseRequest(line: string): Result<ControlRequest> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return fail(DaemonErrorCode.ControlBadRequest, 'the request is not one JSON object on a line');
  }
  const parsed = controlRequest.safeParse(json);
  if (!parsed.success)
    return fail(
      DaemonErrorCode.ControlBadRequest,
      `bad request: ${describeIssues(parsed.error.issues)}`,
    );
  return ok(parsed.data);
}

/** One reply line (without its newline), as the client reads it. */
export function parseReply(line: string): Result<ControlReply> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return fail(DaemonErrorCode.ControlNoAnswer, 'the daemon answered something that is not JSON');
  }
  const parsed = controlReply.safeParse(json);
  if (!parsed.success)
    return fail(
      DaemonErrorCode.ControlNoAnswer,
      `the daemon's answer is not understood: ${describeIssues(parsed.error.issues)}`,
    );
  return ok(parsed.data);
}

export function encodeLine(message: ControlRequest | ControlReply): string {
  return `${JSON.stringify(message)}\n`;
}
