/**
 * The web page's files: the shell, the stylesheet, the compiled browser script
 * (dist/console-page/), and the QR decoder (the barcode-detector ponyfill on zxing-wasm, served
 * from here: a site network may have no internet, and the page loads nothing from elsewhere).
 * All public: they hold no data; the data comes from the API, which needs a login.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleApp } from './context.js';
import { PAGE_CSS, PAGE_HTML } from './page-shell.js';

/** dist/daemon/console/ → dist/console-page/, where tsconfig.page.json compiles the browser code. */
const BROWSER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console-page');
const SCRIPT_NAME = /^[a-z][a-z0-9-]*\.js$/;

const require = createRequire(import.meta.url);

/** The files under /vendor/: name → where the package keeps it, and its content type. */
const VENDOR: Readonly<Record<string, { path: () => string; type: string }>> = {
  'barcode-detector.js': {
    path: () =>
      join(dirname(require.resolve('barcode-detector/ponyfill')), '..', 'iife', 'ponyfill.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'zxing_reader.wasm': {
    path: () =>
      join(
        dirname(require.resolve('zxing-wasm/reader')),
        '..',
        '..',
        'reader',
        'zxing_reader.wasm',
      ),
    type: 'application/wasm',
  },
};

export function pageRoutes(app: ConsoleApp): void {
  const cache = new Map<string, Buffer>();
  const file = (path: string): Buffer | undefined => {
    let bytes = cache.get(path);
    if (bytes === undefined) {
      try {
        bytes = readFileSync(path);
      } catch {
        return undefined;
      }
      cache.set(path, bytes);
    }
    return bytes;
  };
  const hidden = { hide: true } as const;

  app.get('/', { config: { access: 'public' }, schema: hidden }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE_HTML),
  );
  // Browsers ask for it on their own; there is none.
  app.get(
    '/favicon.ico',
    { config: { access: 'public' }, schema: hidden },
    async (_request, reply) => reply.code(204).send(),
  );
  app.get('/style.css', { config: { access: 'public' }, schema: hidden }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(PAGE_CSS),
  );
  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    { config: { access: 'public' }, schema: hidden },
    async (request, reply) => {
      const { name } = request.params;
      const bytes = SCRIPT_NAME.test(name) ? file(join(BROWSER_DIR, name)) : undefined;
      if (bytes === undefined) return reply.code(404).send({ error: `no such file: ${name}` });
      return reply.type('text/javascript; charset=utf-8').send(bytes);
    },
  );
  app.get<{ Params: { name: string } }>(
    '/vendor/:name',
    { config: { access: 'public' }, schema: hidden },
    async (request, reply) => {
      const vendor = VENDOR[request.params.name];
      const bytes = vendor === undefined ? undefined : file(vendor.path());
      if (vendor === undefined || bytes === undefined)
        return reply.code(404).send({ error: `no such file: ${request.params.name}` });
      return reply.type(vendor.type).header('cache-control', 'max-age=86400').send(bytes);
    },
  );
}
