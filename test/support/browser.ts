/**
 * A real browser for tests: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), and the dashboard built by Vite exactly as production serves it.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { AnyTaskHandler } from '../../worker/handler.ts';
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
export async function startDashboardStack(name: string, distDir: string, handlers?: readonly AnyTaskHandler[]): Promise<DashboardStack> {
  await buildDashboard(distDir);
  const secret = newSecret();
  const token = await jwt(secret, `${name}-user`, ['tasks:read', 'tasks:write']);
  const stack = await startStack(name, { env: { AUTH_DISABLED: 'false', AUTH_JWT_SECRET: secret, DASHBOARD_DIR: distDir }, token, ...(handlers && { handlers }) });
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

/** One test file's dashboard, from {@link useDashboard}. */
export interface DashboardSession {
  /** The running dashboard stack (read it inside tests and hooks, once it has started). */
  readonly dashboard: DashboardStack;
  /** Where the dashboard was built. */
  readonly distDir: string;
  /** A new page, not signed in; it is screenshotted and closed after the test. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /**
   * A new page signed in with the stack's token (where the sign-in form keeps it), at `hash`, once
   * Live; `beforeGoto` prepares the page before it loads (to route its WebSocket, say).
   */
  open(hash?: string, viewport?: { width: number; height: number }, beforeGoto?: (page: Page) => Promise<void>): Promise<Page>;
}

/**
 * Give a browser test file its dashboard: built and started before its tests, closed after them.
 * The page a test opens through the session is screenshotted into {@link SCREENSHOTS} (named after
 * the test, behind `screenshotPrefix`) and closed after the test, and any uncaught error in it
 * fails the test. Call at the top level of the file. `handlers`: the stack's task types, instead of the built-ins.
 */
export function useDashboard(name: string, options: { screenshotPrefix?: string; handlers?: readonly AnyTaskHandler[] } = {}): DashboardSession {
  // A build directory per file: files may build at once.
  const distDir = join(import.meta.dirname, `../../test-artifacts/dashboard-dist-${name}`);
  let started: DashboardStack | undefined;
  let current: { page: Page; pageErrors: Error[] } | undefined;
  beforeAll(async () => {
    started = await startDashboardStack(name, distDir, options.handlers);
  }, 120_000);
  afterAll(() => started?.close());
  afterEach(async (context) => {
    if (!current) return;
    const { page, pageErrors } = current;
    current = undefined;
    if (!page.isClosed()) {
      const file = `${options.screenshotPrefix ?? ''}${context.task.name.replace(/\W+/g, '-')}.png`;
      await page.screenshot({ path: join(SCREENSHOTS, file), fullPage: true });
      await page.close();
    }
    expect(pageErrors).toEqual([]);
  });
  const session: DashboardSession = {
    get dashboard() {
      if (!started) throw new Error(`the ${name} dashboard has not started`);
      return started;
    },
    distDir,
    async newPage(viewport) {
      current = await newPage(session.dashboard.browser, viewport);
      return current.page;
    },
    async open(hash = '', viewport, beforeGoto) {
      const page = await session.newPage(viewport);
      await page.addInitScript((value) => localStorage.setItem('taskql.token', value), session.dashboard.token);
      await beforeGoto?.(page);
      await page.goto(session.dashboard.url + hash);
      await expect.poll(() => page.getByRole('status').textContent()).toBe('Live');
      return page;
    },
  };
  return session;
}
