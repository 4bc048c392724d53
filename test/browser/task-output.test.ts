/**
 * A task's output and log on its dashboard page, in a real browser against a real API, worker,
 * MongoDB and Redis: `generate`'s words appear as they are written, in monospace, the view
 * following the end; a retried `fail` task's log has a heading per attempt, and the level
 * checkboxes hide and show lines.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, type EnqueueTaskInput } from '../../schema/generated/graphql.ts';
import { generatedText } from '../../src/tasks/builtin/generate.ts';
import { useDashboard } from '../support/browser.ts';

const session = useDashboard('browser_output');
let page: Page;

async function openTask(input: EnqueueTaskInput): Promise<string> {
  const { enqueueTask } = await session.dashboard.stack.client.data(EnqueueTaskDocument, { input });
  page = await session.open(`#/tasks/${enqueueTask.task.id}`);
  return enqueueTask.task.id;
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
