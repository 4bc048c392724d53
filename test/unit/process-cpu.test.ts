import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CpuMeter } from '../../bench/lib/process-cpu.ts';

/** Spend `ms` of this process's CPU time (not wall time, which a loaded machine stretches). */
function spin(ms: number): void {
  const start = process.cpuUsage();
  for (let used = process.cpuUsage(start); (used.user + used.system) / 1000 < ms; used = process.cpuUsage(start));
}

describe('CpuMeter', () => {
  it('counts the CPU this process and the others spent during a variant, per task', async () => {
    const meter = new CpuMeter();
    // Burns 300 ms of CPU, says so, and lives on: a process that has exited is no longer counted.
    const child = spawn(process.execPath, ['-e', `${spin.toString()}; spin(300); console.log('done'); setTimeout(() => {}, 60_000);`]);
    try {
      await meter.measure('busy', 10, async () => {
        spin(300);
        await once(child.stdout, 'data');
      });
    } finally {
      child.kill();
    }
    const busy = meter.of('busy')!;
    // 300 ms over 10 tasks each, give or take a few clock ticks of 10 ms and the child's start-up;
    // the child is `other`, which no process of the bench is.
    expect(busy.perTaskMs['runner']).toBeGreaterThanOrEqual(28);
    expect(busy.perTaskMs['runner']).toBeLessThan(45);
    expect(busy.perTaskMs['other']).toBeGreaterThanOrEqual(28);
    expect(busy.totalPerTaskMs).toBeGreaterThanOrEqual(busy.perTaskMs['runner']! + busy.perTaskMs['other']!);
    expect(meter.of('never')).toBeNull();
  });
});
