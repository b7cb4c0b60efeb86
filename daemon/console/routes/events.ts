/**
 * Live events as server-sent events (`text/event-stream`): each ConsoleEvent under its type
 * (`device`, `refused`, `whitelist`, `link`), and a `status` snapshot every STATUS_EVERY_MS while
 * anyone listens, so a view keeps its counts without polling. A client that does not keep up is
 * dropped (it reconnects and reloads), never buffered without bound.
 */
import type { ServerResponse } from 'node:http';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import type { ConsoleEvent } from '../events.js';
import { HttpRefusal } from '../http-errors.js';
import { statusOf } from './status.js';

export const STATUS_EVERY_MS = 2000;
export const MAX_EVENT_STREAMS = 64;
/** Unsent bytes a stream may hold before it is dropped. */
const MAX_BACKLOG_BYTES = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export function eventRoutes(app: ConsoleApp, ctx: ConsoleContext): void {
  const streams = new Set<ServerResponse>();
  let ticker: NodeJS.Timeout | undefined;

  const send = (res: ServerResponse, type: string, data: unknown): void => {
    if (res.writableLength > MAX_BACKLOG_BYTES) {
      ctx.log.info('console: an event stream fell behind; closed');
      res.destroy();
      return;
    }
    res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const tick = (): void => {
    if (streams.size === 0) return;
    const status = statusOf(ctx);
    for (const res of streams) send(res, 'status', status);
  };

  app.addHook('onClose', async () => {
    clearInterval(ticker);
    for (const res of streams) res.end();
    streams.clear();
  });

  app.get(
    '/api/events',
    {
      schema: {
        summary: 'Server-sent events: device, refused, whitelist, link, status',
        tags: ['events'],
      },
    },
    async (request, reply) => {
      if (streams.size >= MAX_EVENT_STREAMS)
        throw new HttpRefusal(503, `${MAX_EVENT_STREAMS} event streams are open already`);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-content-type-options': 'nosniff',
      });
      res.write('retry: 3000\n\n');
      streams.add(res);
      send(res, 'status', statusOf(ctx));
      const unsubscribe = ctx.events.subscribe((e: ConsoleEvent) => send(res, e.type, e));
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      ticker ??= setInterval(tick, STATUS_EVERY_MS);
      request.raw.on('close', () => {
        clearInterval(keepalive);
        unsubscribe();
        streams.delete(res);
        if (streams.size === 0) {
          clearInterval(ticker);
          ticker = undefined;
        }
      });
    },
  );
}
