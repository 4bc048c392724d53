/**
 * The dashboard's files at `/`: the built assets (`npm run build`), or in development its sources
 * through Vite's middleware with hot reload. The dashboard itself talks only the public GraphQL
 * API over graphql-ws; nothing here serves data.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

/** Node's request handler shape, with the handler to fall through to. */
export type Middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/** What serves the dashboard; `close` stops Vite in development. */
export interface DashboardFiles {
  handle: Middleware;
  close(): Promise<void>;
}

/** Paths the API answers itself; every other GET may be a dashboard file. */
const API_PATHS = new Set(['/graphql', '/health', '/ready', '/metrics']);

/** Serve the dashboard as `config.mode` says, passing API paths (and unknown files) on to `next`. */
export async function serveDashboard(config: Config['dashboard'], logger: Logger): Promise<DashboardFiles> {
  const files = await filesMiddleware(config, logger);
  return {
    handle: (request, response, next) => {
      const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
      if (API_PATHS.has(path) || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
      files.handle(request, response, next);
    },
    close: () => files.close(),
  };
}

async function filesMiddleware(config: Config['dashboard'], logger: Logger): Promise<DashboardFiles> {
  if (config.mode === 'off') return { handle: (_request, _response, next) => next(), close: async () => {} };
  if (config.mode === 'dev') {
    // Vite is a development dependency: loaded only here, never in production.
    const { createServer } = await import('vite');
    const vite = await createServer({
      configFile: fileInDashboard('vite.config.ts'),
      // Imported as it is (this process runs TypeScript) rather than bundled to a temporary file
      // next to it, which `node --watch` would take for a changed dependency and restart on.
      configLoader: 'native',
      // API paths are routed before Vite sees them, so Vite needs no HTML fallback of its own.
      appType: 'mpa',
      server: { middlewareMode: true },
      logLevel: 'warn',
    });
    return { handle: (request, response, next) => vite.middlewares(request, response, next), close: () => vite.close() };
  }
  if (!existsSync(join(config.dir, 'index.html'))) {
    logger.warn({ dir: config.dir }, 'the dashboard is not built (npm run build); / answers 404');
    return {
      handle: (request, response, next) => {
        if (request.url !== '/') return next();
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('The dashboard is not built. Run `npm run build` and restart the API, or use `npm run dev`.\n');
      },
      close: async () => {},
    };
  }
  const serve = sirv(config.dir, {
    // Vite's precompressed copies (.br, .gz) when the browser accepts them.
    brotli: true,
    gzip: true,
    etag: true,
    setHeaders: (response, pathname) => {
      // Hashed names under assets/ never change; index.html must be re-checked to find new ones.
      response.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return { handle: (request, response, next) => serve(request, response, next), close: async () => {} };
}

function fileInDashboard(name: string): string {
  return join(PACKAGE_ROOT, 'dashboard', name);
}
