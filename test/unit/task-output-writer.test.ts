/**
 * The output writer's numbering (pure logic over a recording store and bus; the real store and
 * bus are tested on the servers in test/integration/task-logs.test.ts): a task's first start
 * numbers from 1 without reading the store, a later start goes on from what the store holds.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TaskOutputBus } from '../../src/events/task-output-bus.ts';
import type { TaskLogLine, TaskOutputChunk } from '../../src/model/task-output.ts';
import type { TaskOutputStore } from '../../src/store/task-output-store.ts';
import { TaskOutputWriter } from '../../worker/task-output-writer.ts';

/** A store that answers `last` for every log and stream, and records what was asked and written. */
function recordingStore(last: number) {
  const reads: string[] = [];
  const written: { stream: string; seqs: number[] }[] = [];
  const store = {
    maxLogLines: 1000,
    lastLogSeq: async () => (reads.push('log'), last),
    lastOutputSeq: async (_taskId: string, stream: string) => (reads.push(stream), last),
    appendLogs: async (_taskId: string, lines: readonly TaskLogLine[]) => void written.push({ stream: 'log', seqs: lines.map((l) => l.seq) }),
    appendOutput: async (_taskId: string, stream: string, chunks: readonly TaskOutputChunk[]) => void written.push({ stream, seqs: chunks.map((c) => c.seq) }),
    dropLogsThrough: async () => {},
  };
  return { store: store as unknown as TaskOutputStore, reads, written };
}

function writer(store: TaskOutputStore, earlierOutput: boolean): TaskOutputWriter {
  return new TaskOutputWriter({
    taskId: 't1',
    attempt: earlierOutput ? 2 : 1,
    store,
    bus: { publish: async () => {} } as unknown as TaskOutputBus,
    flushIntervalMs: 0,
    taskMaxBytes: 1 << 20,
    heldBytes: 0,
    earlierOutput,
    bufferMaxBytes: 1 << 20,
    onLogTruncated: async () => {},
    logger: pino({ level: 'silent' }),
  });
}

/** Two chunks on the default stream, one on `stderr` and a log line, all written. */
async function writeSome(output: TaskOutputWriter): Promise<void> {
  await output.write('default', 'a', 1);
  await output.write('default', 'b', 1);
  await output.write('stderr', 'c', 1);
  output.log('INFO', 'hello', null, 5);
  await output.flush();
}

/** The numbers written per log or stream, in order. */
function numbers(written: { stream: string; seqs: number[] }[]): Record<string, number[]> {
  const byStream: Record<string, number[]> = {};
  for (const { stream, seqs } of written) (byStream[stream] ??= []).push(...seqs);
  return byStream;
}

describe('TaskOutputWriter numbering', () => {
  it("numbers a first start's log and streams from 1 without reading the store", async () => {
    const { store, reads, written } = recordingStore(41);
    await writeSome(writer(store, false));
    expect(reads).toEqual([]);
    expect(numbers(written)).toEqual({ default: [1, 2], stderr: [1], log: [1] });
  });

  it('goes on from what the store holds when earlier starts may have written', async () => {
    const { store, reads, written } = recordingStore(41);
    await writeSome(writer(store, true));
    expect(reads.sort()).toEqual(['default', 'log', 'stderr']);
    expect(numbers(written)).toEqual({ default: [42, 43], stderr: [42], log: [42] });
  });
});
