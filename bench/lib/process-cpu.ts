/**
 * CPU time spent by every process on the machine while a variant runs, by what each process is
 * (the runner, a taskql process, a baseline's child, a server, anything else). On a machine
 * where the load generator, taskql and both servers share the cores, a rate says little about
 * where its time went; the CPU each process spent per task says it, and whether the cores were
 * full (the run is then bound by that sum, not by any one process's latency).
 *
 * Read from /proc (Linux only: elsewhere nothing is counted), in clock ticks of 10 ms, so a
 * variant needs rounds of a second or more for figures to a few per cent. A process that exits
 * while a variant runs is not counted: the bench's processes live through their scenario.
 */
import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Row } from './report.ts';

/** Milliseconds of CPU (user + system) per process kind. */
export type CpuByKind = Record<string, number>;

/** What one variant spent, per task, over every round measured. */
export interface VariantCpu {
  /** CPU per task by process kind, in milliseconds. */
  perTaskMs: CpuByKind;
  /** All kinds together, per task. */
  totalPerTaskMs: number;
  /** CPU spent ÷ (wall time × cores): near 1, the cores were full. */
  coresBusy: number;
}

const TICK_MS = 10;

/** What the process of `cmdline` is, for the tables. */
function kindOf(pid: number, cmdline: string): string {
  if (pid === process.pid) return 'runner';
  if (cmdline.includes('dist/src/main.js')) return 'taskql API';
  if (cmdline.includes('dist/worker/main.js')) return 'taskql worker';
  const child = /dist\/bench\/children\/([\w-]+)\.js/.exec(cmdline);
  if (child) return child[1]!;
  if (cmdline.includes('mongo-java-server')) return 'mongo-java-server';
  if (cmdline.includes('ferretdb')) return 'ferretdb';
  if (cmdline.includes('redis-server')) return 'redis';
  return 'other';
}

/** CPU milliseconds so far of every live process, by pid, with its kind. */
async function snapshot(): Promise<Map<number, { kind: string; ms: number }>> {
  const readings = new Map<number, { kind: string; ms: number }>();
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (name) => {
      const pid = Number(name);
      try {
        const [stat, cmdline] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')]);
        // The command name (field 2) is in parentheses and may hold spaces: fields count after it.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
        readings.set(pid, { kind: kindOf(pid, cmdline.replaceAll('\0', ' ')), ms: ticks * TICK_MS });
      } catch {
        // Gone between listing and reading.
      }
    }),
  );
  return readings;
}

/** Counts, per variant, the CPU every process spends while it runs. */
export class CpuMeter {
  readonly #spent = new Map<string, { tasks: number; wallMs: number; byKind: CpuByKind }>();

  /** Run `run`, counting to `variant` the CPU spent meanwhile and `tasks` tasks. */
  async measure<T>(variant: string, tasks: number, run: () => Promise<T>): Promise<T> {
    const before = await snapshot();
    const start = performance.now();
    const result = await run();
    const wallMs = performance.now() - start;
    const after = await snapshot();
    const entry = this.#spent.get(variant) ?? { tasks: 0, wallMs: 0, byKind: {} };
    entry.tasks += tasks;
    entry.wallMs += wallMs;
    for (const [pid, { kind, ms }] of after) {
      // A process started meanwhile counts from zero.
      const spent = ms - (before.get(pid)?.ms ?? 0);
      if (spent > 0) entry.byKind[kind] = (entry.byKind[kind] ?? 0) + spent;
    }
    this.#spent.set(variant, entry);
    return result;
  }

  /** What `variant` spent per task; null when it never ran. */
  of(variant: string): VariantCpu | null {
    const entry = this.#spent.get(variant);
    if (!entry || entry.tasks === 0) return null;
    const perTaskMs = Object.fromEntries(Object.entries(entry.byKind).map(([kind, ms]) => [kind, ms / entry.tasks]));
    const total = Object.values(entry.byKind).reduce((sum, ms) => sum + ms, 0);
    return { perTaskMs, totalPerTaskMs: total / entry.tasks, coresBusy: total / (entry.wallMs * cpus().length) };
  }

  /** What every variant measured spent, by variant: for a scenario's details. */
  all(): Record<string, VariantCpu | null> {
    return Object.fromEntries([...this.#spent.keys()].map((variant) => [variant, this.of(variant)]));
  }

  /**
   * The row comparing the CPU per task of all processes under variant `taskql` with that under
   * `baseline.variant`; none when either never ran (or nothing could be counted).
   */
  row(scenario: string, measure: string, baseline: { name: string; variant: string }, taskql: string): Row[] {
    const base = this.of(baseline.variant);
    const ours = this.of(taskql);
    if (!base || !ours) return [];
    return [{ scenario, measure, baseline: baseline.name, baselineValue: base.totalPerTaskMs, taskql: ours.totalPerTaskMs, unit: 'ms', compare: 'ratio' }];
  }
}
