/**
 * The dashboard's schedules page in a real browser (Debian's Chromium), built as production builds
 * it and served by a real API with authentication on, a real worker, MongoDB and Redis. Runs are
 * made with "Trigger now" rather than by waiting for due times, so the tests take seconds.
 * Screenshots land in test-artifacts/browser/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CreateScheduleDocument, ScheduleDocument, SchedulesDocument } from '../../schema/generated/graphql.ts';
import { useDashboard } from '../support/browser.ts';

const session = useDashboard('browser-schedules', { screenshotPrefix: 'schedules-' });
const client = () => session.dashboard.stack.client;
let page: Page;

/** The schedules page, signed in, reached through the header's link as a person would. */
async function openSchedules(viewport?: { width: number; height: number }): Promise<Page> {
  page = await session.open('', viewport);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
  await page.getByRole('heading', { name: 'Create a schedule' }).waitFor();
  // The type select fills once taskTypes has answered.
  await page.locator('#schedule-type option[value="sleep"]').waitFor({ state: 'attached' });
  return page;
}

/** The form, filled for a schedule of the sleep type. */
async function fillSleepSchedule(name: string, timetable: { cron: string; timezone: string } | { every: string }): Promise<void> {
  const form = page.getByRole('region', { name: 'Create a schedule' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Type').selectOption('sleep');
  await form.getByLabel('ms', { exact: true }).fill('50');
  await form.getByLabel('steps', { exact: true }).fill('1');
  if ('cron' in timetable) {
    await form.getByLabel('on a cron').check();
    await form.getByLabel('Cron', { exact: true }).fill(timetable.cron);
    await form.getByLabel('Time zone').fill(timetable.timezone);
  } else {
    await form.getByLabel('at an interval').check();
    await form.getByLabel('Every (ms)').fill(timetable.every);
  }
}

/** The listed row of the caller's schedule `name`, found by the id the API gives it. */
async function rowOf(name: string) {
  // By its cell's text: on a phone the rows are blocks, which Chromium no longer exposes as cells.
  await page.locator('tbody td[data-label="Name"]').getByText(name, { exact: true }).waitFor();
  const { schedules } = await client().data(SchedulesDocument, { first: 500 });
  const schedule = schedules.edges.map((e) => e.node).find((s) => s.name === name);
  expect(schedule, `schedule ${name} over the API`).toBeDefined();
  return { id: schedule!.id, row: page.locator(`tr[data-schedule-id="${schedule!.id}"]`) };
}

/** What the page writes for a timestamp (format.ts's formatTime, in the browser's locale). */
function shown(iso: string): Promise<string> {
  return page.evaluate((value) => new Date(value).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }), iso);
}

const cell = (row: ReturnType<Page['locator']>, label: string) => row.locator(`[data-label="${label}"]`);

describe('schedules page', () => {
  it('creates a schedule from the form, then pauses, resumes, triggers and deletes it', async () => {
    await openSchedules();
    await fillSleepSchedule('nightly-sleep', { cron: '30 2 * * *', timezone: 'Europe/Berlin' });
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Saved schedule nightly-sleep').waitFor();

    const { id, row } = await rowOf('nightly-sleep');
    const created = (await client().data(ScheduleDocument, { id })).schedule!;
    expect(created.nextRunAt).not.toBeNull();
    expect(await cell(row, 'Type').textContent()).toBe('sleep');
    expect(await cell(row, 'Timetable').textContent()).toBe('30 2 * * * (Europe/Berlin)');
    expect(await cell(row, 'Next run').textContent()).toBe(await shown(created.nextRunAt!));
    expect(await cell(row, 'Last run').textContent()).toBe('—');
    expect(await cell(row, 'Status').textContent()).toBe('Active');
    expect(await cell(row, 'Last task').textContent()).toBe('—');

    await row.getByRole('button', { name: 'Pause nightly-sleep' }).click();
    await expect.poll(() => cell(row, 'Status').textContent()).toBe('Paused');
    expect(await cell(row, 'Next run').textContent()).toBe('—');
    expect((await client().data(ScheduleDocument, { id })).schedule?.paused).toBe(true);

    await row.getByRole('button', { name: 'Resume nightly-sleep' }).click();
    await expect.poll(() => cell(row, 'Status').textContent()).toBe('Active');
    const resumed = (await client().data(ScheduleDocument, { id })).schedule!;
    expect(await cell(row, 'Next run').textContent()).toBe(await shown(resumed.nextRunAt!));

    await row.getByRole('button', { name: 'Trigger now nightly-sleep' }).click();
    // The run's task appears with its state chip, and the list's next reads follow it to the end.
    await expect.poll(() => cell(row, 'Last task').locator('.chip').textContent(), { timeout: 20_000 }).toBe('SUCCEEDED');
    const run = (await client().data(ScheduleDocument, { id })).schedule!;
    expect(run.tasks.edges.map((e) => e.node.id)).toEqual([run.lastTask!.id]);
    expect(await cell(row, 'Last task').getByRole('link').getAttribute('href')).toBe(`#/tasks/${run.lastTask!.id}`);
    expect(await cell(row, 'Last run').textContent()).toBe(await shown(run.lastRunAt!));

    await row.getByRole('button', { name: 'Delete nightly-sleep' }).click();
    // Deleting asks first; keeping it changes nothing.
    await row.getByRole('button', { name: 'Keep' }).click();
    await row.getByRole('button', { name: 'Delete nightly-sleep' }).click();
    await row.getByRole('button', { name: 'Confirm deleting nightly-sleep' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await client().data(ScheduleDocument, { id })).schedule).toBeNull();
  });

  it('lists an interval schedule as "every N s"', async () => {
    await openSchedules();
    await fillSleepSchedule('every-ninety', { every: '90000' });
    await page.getByRole('button', { name: 'Save schedule' }).click();
    const { row } = await rowOf('every-ninety');
    expect(await cell(row, 'Timetable').textContent()).toBe('every 90 s');
    expect(await cell(row, 'Next run').textContent()).not.toBe('—');
  });

  it("shows the API's message for a bad cron next to the cron field, and stores nothing", async () => {
    await openSchedules();
    const input = { name: 'bad-cron', type: 'sleep', input: { ms: 50, steps: 1 }, cron: '61 * * * *', timezone: 'UTC' };
    const answer = await client().request(CreateScheduleDocument, { input });
    const issue = (answer.errors?.[0]?.extensions?.['issues'] as { path: string; message: string }[] | undefined)?.[0];
    expect(issue?.path).toBe('input.cron');

    await fillSleepSchedule(input.name, { cron: input.cron, timezone: input.timezone });
    await page.getByRole('button', { name: 'Save schedule' }).click();
    const cron = page.getByLabel('Cron', { exact: true });
    await expect.poll(() => page.locator('#schedule-cron-error').textContent()).toBe(issue!.message);
    expect(await cron.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('Saved schedule').count()).toBe(0);
    const { schedules } = await client().data(SchedulesDocument, { first: 500 });
    expect(schedules.edges.map((e) => e.node.name)).not.toContain(input.name);
  });

  it('labels every control and fits a phone screen', async () => {
    await openSchedules({ width: 390, height: 844 });
    await fillSleepSchedule('phone-check', { every: '60000' });
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await rowOf('phone-check');
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label') && !e.textContent?.trim())
        .map((e) => e.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
