import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgressReport } from '../../src/model/state-machine.ts';
import { ProgressCoalescer } from '../../worker/progress-coalescer.ts';

describe('progress coalescing', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the first report at once, then at most one per interval, the newest each time', async () => {
    const written: ProgressReport[] = [];
    const coalescer = new ProgressCoalescer(100, async (r) => {
      written.push(r);
    });
    for (let i = 1; i <= 50; i++) coalescer.report({ percent: i });
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([{ percent: 1 }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(written).toEqual([{ percent: 1 }, { percent: 50 }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toHaveLength(2);
  });

  it('writes the last report on flush, after the write in flight', async () => {
    const written: number[] = [];
    let release: () => void = () => {};
    const coalescer = new ProgressCoalescer(100, async (r) => {
      written.push(r.percent ?? -1);
      if (written.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    coalescer.report({ percent: 1 });
    coalescer.report({ percent: 2 });
    coalescer.report({ percent: 3 });
    const flushed = coalescer.flush();
    release();
    await flushed;
    expect(written).toEqual([1, 3]);
  });

  it('writes nothing on flush when nothing was reported', async () => {
    const write = vi.fn(async () => {});
    await new ProgressCoalescer(100, write).flush();
    expect(write).not.toHaveBeenCalled();
  });
});
