/** Where a server that loaded `gc-on-signal.ts` writes its memory usage after collecting its garbage. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function memoryReportOf(pid: number): string {
  return join(tmpdir(), `taskql-bench-memory-${pid}.json`);
}
