/**
 * A flow's dashboard page, in a real browser against a real API, worker, MongoDB and Redis: the
 * tasks of a chain in dependency order, their chips moving from WAITING (dependencies) to
 * SUCCEEDED and the flow's progress to 100 %; the task page links back to its flow; Cancel
 * cancels a running flow. A parent's task page lists its children (spawned by its handler) with
 * their chips, live until they are SUCCEEDED, and each child's page links its parent.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EnqueueFlowDocument, EnqueueTaskDocument, type EnqueueFlowInput } from '../../schema/generated/graphql.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { childHandlers } from '../e2e/support/child-types.ts';
import { useDashboard } from '../support/browser.ts';

const session = useDashboard('browser_flows', { handlers: [...builtinHandlers, ...childHandlers] });
let page: Page;

/** Submit a chain a → b of `sleep` tasks and open its page. */
async function openChain(ms: { a: number; b: number }): Promise<string> {
  const input: EnqueueFlowInput = {
    name: 'nightly',
    tasks: [
      { ref: 'a', type: 'sleep', input: { ms: ms.a, steps: 5 } },
      { ref: 'b', type: 'sleep', input: { ms: ms.b, steps: 5 }, dependsOn: ['a'] },
    ],
  };
  const { enqueueFlow } = await session.dashboard.stack.client.data(EnqueueFlowDocument, { input });
  page = await session.open(`#/flows/${enqueueFlow.id}`);
  return enqueueFlow.id;
}

const flowState = () => page.locator('.task-head .chip');
const taskItem = (ref: string) => page.getByRole('listitem', { name: `Task ${ref}` });
const flowProgress = () => page.getByRole('progressbar', { name: 'Progress of the flow' });

describe('flow page', () => {
  it("shows a chain's tasks in dependency order, live until SUCCEEDED and 100 %", async () => {
    // a sleeps long enough for its RUNNING chip and b's wait to be seen on a busy machine.
    const id = await openChain({ a: 8000, b: 1500 });
    await page.getByRole('heading', { name: /nightly/ }).waitFor();
    expect(await page.locator('.flow-task > a').allTextContents()).toEqual(['a', 'b']);
    // b is indented under a, and waits for it while a runs.
    const [aBox, bBox] = [await taskItem('a').boundingBox(), await taskItem('b').boundingBox()];
    expect(bBox!.x).toBeGreaterThan(aBox!.x);
    await taskItem('b').getByText('waiting: dependencies').waitFor();
    await taskItem('a').getByText('RUNNING').waitFor();
    expect(await taskItem('b').textContent()).toMatch(/WAITING\s*waiting: dependencies\s*after a/);
    expect(await flowState().textContent()).toBe('RUNNING');
    // a done: half the flow; then b runs and the flow is SUCCEEDED at 100 %.
    await expect.poll(() => flowProgress().getAttribute('aria-valuenow'), { timeout: 20_000 }).toBe('50');
    await taskItem('b').getByText(/RUNNING|SUCCEEDED/).waitFor();
    await expect.poll(() => flowState().textContent(), { timeout: 20_000 }).toBe('SUCCEEDED');
    await expect.poll(() => flowProgress().getAttribute('aria-valuenow')).toBe('100');
    for (const ref of ['a', 'b']) await taskItem(ref).getByText('SUCCEEDED').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    // Each task links to its page, which links back to the flow.
    await taskItem('b').getByRole('link', { name: 'b' }).click();
    await page.locator('.task-head').getByText('SUCCEEDED').waitFor();
    await page.getByRole('link', { name: /its flow/ }).click();
    await expect.poll(() => page.url()).toContain(`#/flows/${id}`);
    await page.getByRole('heading', { name: /nightly/ }).waitFor();
  }, 60_000);

  it('cancels a running flow from its page', async () => {
    await openChain({ a: 60_000, b: 100 });
    await taskItem('a').getByText('RUNNING').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => flowState().textContent(), { timeout: 20_000 }).toBe('CANCELLED');
    for (const ref of ['a', 'b']) await taskItem(ref).getByText('CANCELLED').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});

describe('task page of a parent', () => {
  it('lists the children its handler spawned with their chips, and a child links its parent', async () => {
    const children = [{ type: 'sleep', input: { ms: 3000, steps: 3 } }, { type: 'echo', input: { n: 2 } }];
    const { enqueueTask } = await session.dashboard.stack.client.data(EnqueueTaskDocument, { input: { type: 'spawner', input: { children } } });
    page = await session.open(`#/tasks/${enqueueTask.task.id}`);
    const list = page.getByRole('list', { name: 'Children' });
    await list.getByRole('listitem').nth(1).waitFor();
    expect(await list.locator('li > a').allTextContents()).toEqual(['sleep', 'echo']);
    await page.locator('.task-head').getByText('waiting: children').waitFor();
    await expect.poll(() => list.locator('.chip').allTextContents(), { timeout: 20_000 }).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    await page.locator('.task-head').getByText('SUCCEEDED').waitFor();
    await list.getByRole('link', { name: 'echo' }).click();
    await page.getByText('Spawned by').getByRole('link', { name: 'spawner' }).waitFor();
    await page.getByText('Spawned by').getByRole('link', { name: 'spawner' }).click();
    await page.getByRole('heading', { name: 'Children (2)' }).waitFor();
  }, 60_000);
});
