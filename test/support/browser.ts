/**
 * A real browser for tests: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), and the dashboard built by Vite exactly as production serves it.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { startStack, type Stack } from './stack.ts';
import { jwt, newSecret } from './tokens.ts';

/** Where browser tests leave their screenshots (kept by CI as artifacts). */
export const SCREENSHOTS = join(import.meta.dirname, '../../test-artifacts/browser');

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Chromium, headless, with the flags that keep it from reaching the network by itself. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that fails the test on any uncaught error in the page. */
export async function newPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; pageErrors: Error[] }> {
  const page = await browser.newPage({ viewport });
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  return { page, pageErrors };
}

/** Build the dashboard into `outDir` with the project's Vite configuration (as `npm run build`). */
export async function buildDashboard(outDir: string): Promise<void> {
  await build({
    configFile: join(import.meta.dirname, '../../dashboard/vite.config.ts'),
    build: { outDir, emptyOutDir: true },
    logLevel: 'warn',
  });
}

/** What a browser test works with: the dashboard built and served by a signed-in stack, and Chromium. */
export interface DashboardStack {
  stack: Stack;
  browser: Browser;
  /** The signed-in user's token (a JWT for `<name>-user` with tasks:read and tasks:write). */
  token: string;
  /** The dashboard's address. */
  url: string;
  close(): Promise<void>;
}

/**
 * Build the dashboard into `distDir` (one directory per test file: files may build at once),
 * serve it from a stack that needs a token, and launch Chromium.
 */
export async function startDashboardStack(name: string, distDir: string): Promise<DashboardStack> {
  await buildDashboard(distDir);
  const secret = newSecret();
  const token = await jwt(secret, `${name}-user`, ['tasks:read', 'tasks:write']);
  const stack = await startStack(name, { env: { AUTH_DISABLED: 'false', AUTH_JWT_SECRET: secret, DASHBOARD_DIR: distDir }, token });
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await stack.close();
    throw error;
  });
  return {
    stack,
    browser,
    token,
    url: `http://127.0.0.1:${stack.server.port}/`,
    close: async () => {
      await browser.close();
      await stack.close();
    },
  };
}
