/** Raw exchanges on a control socket, for tests that send it what no well-behaved client would. */
import { createConnection } from 'node:net';

/**
 * Connect, send `bytes` (then end our side unless `keepOpen`), and collect every line the daemon
 * sends until it closes the connection.
 */
export function exchange(
  path: string,
  bytes: string | Buffer,
  options: { keepOpen?: boolean } = {},
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      if (options.keepOpen === true) socket.write(bytes);
      else socket.end(bytes);
    });
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(text.split('\n').filter((l) => l !== '')));
  });
}

/** The one JSON reply line of an exchange, parsed. */
export function onlyReply(lines: readonly string[]): Record<string, unknown> {
  if (lines.length !== 1) throw new Error(`expected one reply line, got ${JSON.stringify(lines)}`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}
