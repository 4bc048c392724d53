/**
 * The dashboard's files at `/`: the built assets (`npm run build`), or in development its sources
 * through Vite's middleware with hot reload. The dashboard itself talks only the public GraphQL
 * API over graphql-ws; nothing here serves data.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
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
  /**
   * Whether this WebSocket upgrade request is the dashboard's, which it answers itself on the
   * HTTP server it was given (Vite's hot reload, in development).
   */
  takesUpgrade(request: IncomingMessage): boolean;
  close(): Promise<void>;
}

/**
 * Where Vite's hot-reload WebSocket is served in development, on the API's own HTTP server and
 * port: each API serving the dashboard from its sources has its own (Vite's default is a port of
 * its own, 24678, which a second one could not take).
 */
const HMR_PATH = '/__vite_hmr';

/** The subprotocols of Vite's hot-reload client: its socket, and the ping it reconnects with. */
const HMR_PROTOCOLS: ReadonlySet<string> = new Set(['vite-hmr', 'vite-ping']);

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?', 1)[0] ?? '/';
}

/** Paths the API answers itself; every other GET may be a dashboard file. */
const API_PATHS = new Set(['/graphql', '/health', '/ready', '/metrics']);

/**
 * Serve the dashboard as `config.mode` says, passing API paths (and unknown files) on to `next`;
 * in development, Vite's hot reload takes its WebSocket upgrades on `http`.
 */
export async function serveDashboard(config: Config['dashboard'], logger: Logger, http: Server): Promise<DashboardFiles> {
  const files = await filesMiddleware(config, logger, http);
  return {
    handle: (request, response, next) => {
      if (API_PATHS.has(pathOf(request)) || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
      files.handle(request, response, next);
    },
    takesUpgrade: (request) => files.takesUpgrade(request),
    close: () => files.close(),
  };
}

/** No WebSocket of the dashboard's own: the built dashboard, or none. */
const takesNoUpgrade = () => false;

async function filesMiddleware(config: Config['dashboard'], logger: Logger, http: Server): Promise<DashboardFiles> {
  if (config.mode === 'off') return { handle: (_request, _response, next) => next(), takesUpgrade: takesNoUpgrade, close: async () => {} };
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
      server: { middlewareMode: true, ws: { server: http, path: HMR_PATH } },
      logLevel: 'warn',
    });
    return {
      handle: (request, response, next) => vite.middlewares(request, response, next),
      takesUpgrade: (request) => pathOf(request) === HMR_PATH && HMR_PROTOCOLS.has(request.headers['sec-websocket-protocol'] ?? ''),
      close: () => vite.close(),
    };
  }
  if (!existsSync(join(config.dir, 'index.html'))) {
    logger.warn({ dir: config.dir }, 'the dashboard is not built (npm run build); / answers 404');
    return {
      handle: (request, response, next) => {
        if (request.url !== '/') return next();
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('The dashboard is not built. Run `npm run build` and restart the API, or use `npm run dev`.\n');
      },
      takesUpgrade: takesNoUpgrade,
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
  return { handle: (request, response, next) => serve(request, response, next), takesUpgrade: takesNoUpgrade, close: async () => {} };
}

function fileInDashboard(name: string): string {
  return join(PACKAGE_ROOT, 'dashboard', name);
}
