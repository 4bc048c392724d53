/**
 * A task's output and log on its dashboard page, in a real browser against a real API, worker,
 * MongoDB and Redis: `generate`'s words appear as they are written, in monospace, the view
 * following the end, and after the connection drops mid-stream resuming where it stopped; a retried `fail` task's log has a heading per attempt, and the level
 * checkboxes hide and show lines.
 */
import type { Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, type EnqueueTaskInput } from '../../schema/generated/graphql.ts';
import { generatedText } from '../../src/tasks/builtin/generate.ts';
import { useDashboard } from '../support/browser.ts';

const session = useDashboard('browser_output');
let page: Page;

async function openTask(input: EnqueueTaskInput, beforeGoto?: (page: Page) => Promise<void>): Promise<string> {
  const { enqueueTask } = await session.dashboard.stack.client.data(EnqueueTaskDocument, { input });
  page = await session.open(`#/tasks/${enqueueTask.task.id}`, undefined, beforeGoto);
  return enqueueTask.task.id;
}

/** The `after` of each `taskOutput` subscription the page sent, in order. */
function outputSubscriptionsAfter(sent: readonly string[]): (number | null)[] {
  return sent
    .map((text) => JSON.parse(text) as { type: string; payload?: { query?: string; variables?: { after?: number | null } } })
    .filter((message) => message.type === 'subscribe' && /\btaskOutput\b/.test(message.payload?.query ?? ''))
    .map((message) => message.payload?.variables?.after ?? null);
}

describe('task output and log', () => {
  it("shows generate's words as they are written, in monospace, following the end", async () => {
    const words = 600;
    await openTask({ type: 'generate', input: { words, rate: 75, seed: 5 } });
    const output = page.locator('pre[aria-label="Output"]');
    // What is shown at any moment is the start of the text (all of it at the end). Read with the
    // task's state in one go: on a loaded machine the page may open only after the task finished.
    await output.waitFor();
    const first = await page.evaluate(() => ({
      text: document.querySelector('pre[aria-label="Output"]')?.textContent ?? '',
      running: document.querySelector('.task-head')?.textContent?.includes('RUNNING') ?? false,
    }));
    expect(generatedText(5, words).slice(0, first.text.length)).toBe(first.text);
    if (first.running) expect(first.text.length).toBeLessThan(generatedText(5, words).length);
    await page.locator('.task-head').getByText('SUCCEEDED').waitFor({ timeout: 20_000 });
    await expect.poll(() => output.textContent()).toBe(generatedText(5, words));
    expect(await page.getByRole('heading', { name: /^Output/ }).textContent()).toContain(`${words} chunks`);
    const style = await output.evaluate((element) => {
      const { fontFamily } = getComputedStyle(element);
      return { fontFamily, overflows: element.scrollHeight > element.clientHeight, atEnd: element.scrollHeight - element.scrollTop - element.clientHeight };
    });
    expect(style.fontFamily).toMatch(/mono/i);
    expect(style.overflows).toBe(true);
    expect(style.atEnd).toBeLessThanOrEqual(2);
  });

  it('resumes the output where it stopped when the connection drops mid-stream', async () => {
    const words = 600;
    // The page's sockets pass through the test, which records what the page sends and can drop them.
    const sockets: WebSocketRoute[] = [];
    const sent: string[] = [];
    await openTask({ type: 'generate', input: { words, rate: 60, seed: 9 } }, (p) =>
      p.routeWebSocket(/\/graphql$/, (socket) => {
        const server = socket.connectToServer();
        socket.onMessage((message) => {
          if (typeof message === 'string') sent.push(message);
          server.send(message);
        });
        server.onMessage((message) => socket.send(message));
        sockets.push(socket);
      }),
    );
    const output = page.locator('pre[aria-label="Output"]');
    await expect.poll(async () => (await output.count()) > 0 && ((await output.textContent()) ?? '').length > 40, { timeout: 20_000 }).toBe(true);
    // Drop the connection as a restarting server would (1012), while the task still writes.
    const shownBeforeDrop = await page.evaluate(() => ({
      text: document.querySelector('pre[aria-label="Output"]')?.textContent ?? '',
      chunks: Number(/([\d,]+) chunks/.exec(document.getElementById('output-title')?.textContent ?? '')?.[1]?.replaceAll(',', '')),
    }));
    expect(shownBeforeDrop.text.length).toBeLessThan(generatedText(9, words).length);
    await sockets[0]!.close({ code: 1012, reason: 'restarting' });
    await expect.poll(() => page.getByRole('status').textContent()).not.toBe('Live');
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toBe('Live');
    expect(sockets).toHaveLength(2);

    await page.locator('.task-head').getByText('SUCCEEDED').waitFor({ timeout: 30_000 });
    // Every word exactly once, in order: nothing lost in the gap, nothing shown twice.
    await expect.poll(() => output.textContent()).toBe(generatedText(9, words));
    expect(await page.getByRole('heading', { name: /^Output/ }).textContent()).toContain(`${words} chunks`);
    // The resubscription asked only for what came after the last chunk shown before the drop.
    const afters = outputSubscriptionsAfter(sent);
    expect(afters).toHaveLength(2);
    expect(afters[0]).toBe(0);
    expect(afters[1]).toBeGreaterThanOrEqual(shownBeforeDrop.chunks);
  });

  it("separates a retried task's log by attempt and filters it by level", async () => {
    await openTask({ type: 'fail', input: { message: 'no luck', failAttempts: 1 }, maxAttempts: 2 });
    await page.locator('.task-head').getByText('SUCCEEDED').waitFor({ timeout: 20_000 });
    const log = page.getByRole('list', { name: 'Log' });
    await expect.poll(() => log.locator('li').allTextContents()).toHaveLength(4);
    const lines = await log.locator('li').allTextContents();
    expect(lines[0]).toBe('Attempt 1');
    expect(lines[1]).toMatch(/WARN attempt 1 fails: no luck/);
    expect(lines[2]).toBe('Attempt 2');
    expect(lines[3]).toMatch(/INFO attempt 2 succeeds/);
    await page.getByLabel('INFO').uncheck();
    await expect.poll(() => log.locator('li').allTextContents()).toEqual([lines[0], lines[1]]);
    await page.getByLabel('WARN').uncheck();
    await page.getByText('No lines at the levels shown.').waitFor();
    await page.getByLabel('INFO').check();
    await expect.poll(() => log.locator('li').allTextContents()).toEqual([lines[2], lines[3]]);
  });
});
