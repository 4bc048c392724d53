/**
 * Task metadata on the real servers and worker: a handler sets and merges it, a taskUpdated
 * subscriber sees it with the PROGRESS events that carry it, the final task keeps it, and a
 * change that is not JSON or too large is refused to the handler, leaving the metadata intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnqueueTaskDocument, TaskMetadataDocument } from '../../schema/generated/graphql.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';

/** Lets the handler go on once the test's subscriber has seen the first metadata. */
let release: () => void = () => {};
const released = new Promise<void>((resolve) => (release = resolve));

const exporter = testTaskType({
  name: 'exporter',
  input: z.object({}),
  handler: async (_, ctx) => {
    ctx.setMetadata({ phase: 'reading', rows: 0 });
    await released;
    ctx.mergeMetadata({ rows: 12_345 });
    const refused: string[] = [];
    for (const bad of [{ huge: 'x'.repeat(70 * 1024) }, { when: 10n }] as Record<string, unknown>[]) {
      try {
        ctx.mergeMetadata(bad);
      } catch (error) {
        refused.push(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    return { refused };
  },
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('metadata', { handlers: [...builtinHandlers, exporter], env: { PROGRESS_INTERVAL_MS: '50' } });
});
afterAll(() => stack?.close());

describe('metadata', () => {
  it('is set and merged by the handler, seen live, kept, and a bad change is refused', async () => {
    const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'exporter', input: {} } });
    const watched = stack.client.watch(TaskMetadataDocument, { id: enqueueTask.task.id });
    // Seen live while the task runs; the handler goes on only then.
    await watched.until((r) => (r.data?.taskUpdated.metadata as { phase?: string } | undefined)?.phase === 'reading');
    release();
    const seen = (await watched.completed).map((r) => r.data!.taskUpdated);
    expect(seen.map((t) => t.metadata)).toContainEqual({ phase: 'reading', rows: 0 });
    expect(seen.find((t) => t.state === 'RUNNING' && (t.metadata as { rows?: number }).rows === 0)).toBeDefined();
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ state: 'SUCCEEDED', metadata: { phase: 'reading', rows: 12_345 } });
    // As stored: the refused changes left the metadata intact.
    const stored = (await stack.runtime.tasks.get(ANONYMOUS, last.id))!;
    expect(stored.metadata).toEqual({ phase: 'reading', rows: 12_345 });
    const result = stored.result as { refused: string[] };
    expect(result.refused).toHaveLength(2);
    expect(result.refused[0]).toMatch(/^RangeError: mergeMetadata: \d+ bytes of JSON, more than the 65536 allowed/);
    expect(result.refused[1]).toMatch(/^TypeError: mergeMetadata: not JSON/);
  });
});
