/**
 * The dashboard in a real browser (Debian's Chromium), built as production builds it and served
 * by a real API with authentication on, a real worker, MongoDB and Redis. Each test does what a
 * person would and checks what they would see; screenshots land in test-artifacts/browser/.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, type EnqueueTaskInput } from '../../schema/generated/graphql.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { useDashboard } from '../support/browser.ts';

const session = useDashboard('browser');
let page: Page;

/** A signed-in page at `hash`, live. */
async function openSignedIn(hash = ''): Promise<Page> {
  page = await session.open(hash);
  return page;
}

async function enqueue(input: EnqueueTaskInput): Promise<string> {
  const { enqueueTask } = await session.dashboard.stack.client.data(EnqueueTaskDocument, { input });
  return enqueueTask.task.id;
}

describe('dashboard', () => {
  it('asks for a token, refuses a bad one, and goes live with a good one', async () => {
    page = await session.newPage();
    await page.goto(session.dashboard.url);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Signed out');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('This server needs a token');

    await page.getByLabel('Token (JWT or API key)').fill('not-a-token');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('refused this token');

    await page.getByLabel('Token (JWT or API key)').fill(session.dashboard.token);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Live');
    await page.getByRole('heading', { name: 'Enqueue a task' }).waitFor();
  });

  it('enqueues a sleep from the form; its bar moves through intermediate values to 100% and the chip turns SUCCEEDED', async () => {
    await openSignedIn();
    const card = page.getByRole('listitem', { name: 'Queue default' });
    const succeededBefore = Number(await card.locator('.count-succeeded dd').textContent().catch(() => '0'));

    const form = page.getByRole('region', { name: 'Enqueue a task' });
    await form.getByLabel('Type').selectOption('sleep');
    await form.getByLabel('ms', { exact: true }).fill('2000');
    await form.getByLabel('steps', { exact: true }).fill('10');
    await form.getByRole('button', { name: 'Enqueue' }).click();
    const link = form.getByRole('link');
    await link.waitFor();
    const id = (await link.textContent()) ?? '';

    // Every value the row's progress bar takes, recorded in the page as it changes.
    const row = page.locator(`tr[data-task-id="${id}"]`);
    await row.waitFor();
    await row.evaluate((element) => {
      const seen: number[] = [];
      (window as unknown as { seen: number[] }).seen = seen;
      const record = () => {
        const value = element.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow');
        if (value !== null && value !== undefined && seen.at(-1) !== Number(value)) seen.push(Number(value));
      };
      record();
      new MutationObserver(record).observe(element, { subtree: true, childList: true, attributes: true });
    });
    await row.getByText('SUCCEEDED').waitFor({ timeout: 20_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);

    expect(seen.some((v) => v > 0 && v < 100), `values seen: ${seen.join(', ')}`).toBe(true);
    expect(seen.at(-1)).toBe(100);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    await expect.poll(async () => Number(await card.locator('.count-succeeded dd').textContent())).toBeGreaterThan(succeededBefore);
  });

  it("shows the server's validation error next to the field it names", async () => {
    await openSignedIn();
    const form = page.getByRole('region', { name: 'Enqueue a task' });
    await form.getByLabel('Type').selectOption('sleep');
    const ms = form.getByLabel('ms', { exact: true });
    await ms.fill('99999999');
    await form.getByRole('button', { name: 'Enqueue' }).click();
    await expect.poll(() => form.locator('#enqueue-input-ms-error').textContent()).toContain('Too big');
    expect(await ms.getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByRole('link').count()).toBe(0);
  });

  it("shows the sleep type's description with its code, and each numeric field's range and default", async () => {
    await openSignedIn();
    const form = page.getByRole('region', { name: 'Enqueue a task' });
    await form.getByLabel('Type').selectOption('sleep');
    const description = form.locator('#enqueue-type ~ .hint');
    expect(await description.textContent()).toBe('Waits ms milliseconds in steps equal steps, reporting progress after each.');
    expect(await description.locator('code').allTextContents()).toEqual(['ms', 'steps']);

    const ms = form.getByLabel('ms', { exact: true });
    const steps = form.getByLabel('steps', { exact: true });
    expect(await form.locator('#enqueue-input-ms-hint').textContent()).toBe('0 to 3600000');
    expect(await form.locator('#enqueue-input-steps-hint').textContent()).toBe('1 to 1000 · default 10');
    // The hints are what a screen reader announces with each field.
    expect(await steps.getAttribute('aria-describedby')).toBe('enqueue-input-steps-hint');
    expect(await steps.inputValue()).toBe('10');
    await steps.fill('');
    expect(await steps.getAttribute('placeholder')).toBe('10');
    expect(await ms.getAttribute('placeholder')).toBeNull();
  });

  it('counts a running row\'s duration up from its start, then shows the final one', async () => {
    await openSignedIn();
    await page.locator('table.tasks[aria-busy="false"]').waitFor();
    const id = await enqueue({ type: 'sleep', input: { ms: 2500, steps: 5 } });
    const row = page.locator(`tr[data-task-id="${id}"]`);
    await row.waitFor();
    // Every text the row's Duration cell shows while the row says RUNNING, as it changes.
    await row.evaluate((element) => {
      const running: string[] = [];
      (window as unknown as { running: string[] }).running = running;
      const record = () => {
        const text = element.querySelector('[data-label="Duration"]')?.textContent ?? '';
        if (element.querySelector('.chip')?.textContent === 'RUNNING' && running.at(-1) !== text) running.push(text);
      };
      record();
      new MutationObserver(record).observe(element, { subtree: true, childList: true, characterData: true });
    });
    await row.getByText('SUCCEEDED').waitFor({ timeout: 20_000 });
    const running = await page.evaluate(() => (window as unknown as { running: string[] }).running);

    const ms = (text: string) => {
      const match = /^([\d.]+) (ms|s) so far$/.exec(text);
      expect(match, `duration while running: ${running.join(', ')}`).not.toBeNull();
      return Number(match![1]) * (match![2] === 's' ? 1000 : 1);
    };
    const counted = running.map(ms);
    expect(counted[0], `durations while running: ${running.join(', ')}`).toBeGreaterThan(0);
    expect([...counted].sort((a, b) => a - b)).toEqual(counted);
    expect(counted.at(-1)).toBeGreaterThanOrEqual(1000);
    expect(await row.locator('[data-label="Duration"]').textContent()).toMatch(/^[\d.]+ s$/);
  });

  it('says where the timeline leaves out superseded progress', async () => {
    const id = await enqueue({ type: 'sleep', input: { ms: 300, steps: 10 } });
    await session.dashboard.stack.client.follow(id).completed;
    await openSignedIn(`#/tasks/${id}`);
    const timeline = page.locator('.timeline');
    await timeline.getByText('SUCCEEDED', { exact: true }).first().waitFor();
    const lines = await timeline.locator('li').allTextContents();
    const gaps = lines.filter((line) => line.includes('superseded'));
    expect(gaps, lines.join('\n')).toHaveLength(1);
    expect(gaps[0]).toMatch(/^v3–v\d+: progress superseded by a later report, not kept$/);
    // Every version is on a line of its own or within the note.
    const [, to] = /^v3–v(\d+)/.exec(gaps[0]!)!;
    const versions = lines.flatMap((line) => /^v(\d+) /.exec(line)?.[1] ?? []).map(Number);
    expect(versions).toEqual([1, 2, ...Array.from({ length: versions.length - 2 }, (_, i) => Number(to) + 1 + i)]);
  });

  it('cancels a running task from its page and shows CANCELLED', async () => {
    const id = await enqueue({ type: 'sleep', input: { ms: 60_000, steps: 600 } });
    await openSignedIn(`#/tasks/${id}`);
    const head = page.locator('.task-head');
    await head.getByText('RUNNING').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await head.getByText('CANCELLED').waitFor();
    await page.locator('.timeline').getByText('CANCELLED', { exact: true }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(1);
  });

  it("shows a failed task's attempts with their errors and stack traces", async () => {
    const id = await enqueue({ type: 'fail', input: { message: 'disk on fire' }, maxAttempts: 2 });
    await openSignedIn(`#/tasks/${id}`);
    await page.locator('.task-head').getByText('FAILED').waitFor({ timeout: 20_000 });
    const attempts = page.getByRole('listitem').filter({ has: page.locator('strong', { hasText: /^Attempt \d$/ }) });
    await expect.poll(() => attempts.count()).toBe(2);
    for (const attempt of await attempts.all()) {
      expect(await attempt.textContent()).toContain('FAILED');
      expect(await attempt.textContent()).toContain('Error: disk on fire');
      await attempt.getByText('Stack trace').click();
      expect(await attempt.locator('pre.stack').textContent()).toContain('disk on fire');
    }
    // The table, filtered to FAILED, lists it.
    await page.getByRole('link', { name: '← Tasks' }).click();
    await page.getByLabel('State').selectOption('FAILED');
    // Until the filtered page arrives, the unfiltered one stays on screen, marked busy.
    await page.locator('table.tasks[aria-busy="false"]').waitFor();
    await page.locator(`tr[data-task-id="${id}"]`).waitFor();
    const states = await page.locator('tbody .chip').allTextContents();
    expect(new Set(states)).toEqual(new Set(['FAILED']));
  });

  it('labels every control and fits a phone screen', async () => {
    page = await session.open('', { width: 390, height: 844 });
    await page.getByRole('heading', { name: 'Enqueue a task' }).waitFor();
    await page.locator('tbody tr').first().waitFor();
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label') && !e.textContent?.trim())
        .map((e) => e.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('loads under 150 KB of compressed JavaScript', async () => {
    const html = await readFile(join(session.distDir, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/src="\.\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    // Everything a first load fetches: the entry scripts and whatever chunks they import.
    const js = (await readdir(join(session.distDir, 'assets'))).filter((name) => name.endsWith('.js'));
    let bytes = 0;
    for (const name of js) bytes += gzipSync(await readFile(join(session.distDir, 'assets', name))).length;
    console.log(`dashboard JavaScript: ${(bytes / 1024).toFixed(1)} KiB gzip in ${js.length} file(s)`);
    expect(bytes).toBeLessThan(150 * 1024);
  });

  it('shows a paused queue and the task waiting for it; pausing from the card needs the admin scope', async () => {
    const page = await openSignedIn();
    const card = page.getByRole('listitem', { name: 'Queue default' });
    await card.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => card.getByRole('alert').textContent()).toContain('admin scope');

    await session.dashboard.stack.runtime.queueService.pause(ANONYMOUS, 'default');
    try {
      const id = await enqueue({ type: 'echo', input: {} });
      const row = page.locator(`tr[data-task-id="${id}"]`);
      await expect.poll(() => row.textContent()).toContain('waiting: queue paused');
      await expect.poll(() => card.textContent()).toContain('paused');
      await card.getByRole('button', { name: 'Resume' }).waitFor();
    } finally {
      await session.dashboard.stack.runtime.queueService.resume(ANONYMOUS, 'default');
    }
  });
});
