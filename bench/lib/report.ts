/** What a run reports: rows of one table (taskql next to its baseline), and the machine it ran on. */
import { cpus, release, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { MongoClient } from 'mongodb';

/** One measured quantity of taskql next to the same quantity of its baseline. */
export interface Row {
  scenario: string;
  measure: string;
  /** What taskql is compared with; empty when nothing is. */
  baseline: string;
  baselineValue: number | null;
  taskql: number;
  unit: string;
  /**
   * How to compare: `ratio` (taskql ÷ baseline: throughput, memory) or `diff` (taskql − baseline:
   * latency, where a fixed overhead matters more than a factor).
   */
  compare: 'ratio' | 'diff';
  /** The goal for this row, when it has one, and whether it is met. */
  goal?: { text: string; met: boolean };
}

/** Each row's comparison as text: `0.52×` or `+1.4 ms`. */
export function comparison(row: Row): string {
  if (row.baselineValue === null || !Number.isFinite(row.baselineValue) || !Number.isFinite(row.taskql)) return '';
  if (row.compare === 'ratio') return `${(row.taskql / row.baselineValue).toFixed(2)}×`;
  const diff = row.taskql - row.baselineValue;
  return `${diff >= 0 ? '+' : '−'}${format(Math.abs(diff))} ${row.unit}`;
}

/** A number for the table: 3 significant digits, thousands kept whole. */
export function format(value: number | null): string {
  if (value === null) return '';
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** The markdown table of `rows`. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| scenario | measure | baseline | baseline | taskql | taskql vs baseline | goal |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    const goal = row.goal ? `${row.goal.met ? '✅' : '❌'} ${row.goal.text}` : '';
    const unit = (value: number | null) => (value === null ? '—' : `${format(value)} ${row.unit}`);
    lines.push(
      `| ${row.scenario} | ${row.measure} | ${row.baseline || '—'} | ${unit(row.baselineValue)} | ${unit(row.taskql)} | ${comparison(row)} | ${goal} |`,
    );
  }
  return lines.join('\n');
}

/** The machine and servers of a run, for the record next to its numbers. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
  /**
   * e.g. `FerretDB v1.24.2 (reports MongoDB 7.0.42), patched: …` or `MongoDB 7.0.14`; a FerretDB
   * says whether its `_id` lookups use the index the local servers add (see {@link idLookups}).
   */
  mongo: string;
  ferretdb: boolean;
}

/** CPU, cores, memory, OS, Node, and the Redis and MongoDB server versions. */
export async function machineInfo(mongo: MongoClient, redisUrl: string): Promise<Machine> {
  const redis = new Redis(redisUrl);
  try {
    const info = await redis.info('server');
    const build = (await mongo.db('admin').command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string; ferretdb?: { version?: string } };
    const ferret = build.ferretdbVersion ?? build.ferretdb?.version;
    const lookups = ferret && (await idLookups(mongo));
    return {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${process.platform} ${release()}`,
      node: process.version,
      redis: `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'}`,
      mongo: ferret ? `FerretDB ${ferret} (reports MongoDB ${build.version}), ${lookups}` : `MongoDB ${build.version ?? 'unknown'}`,
      ferretdb: Boolean(ferret),
    };
  } finally {
    redis.disconnect();
  }
}

/** How long {@link idLookups} waits for the local servers to index its probe collection. */
const PATCH_WAIT_MS = 5_000;

/**
 * Whether this FerretDB is patched: its own `explain` of an `_id` lookup shows the SQLite plan,
 * which uses the index `scripts/ferretdb-id-indexes.ts` adds to each new collection within a
 * poll, or scans the collection (stock FerretDB 1.24, or a server the patch refused).
 */
async function idLookups(mongo: MongoClient): Promise<string> {
  const db = mongo.db(`bench_id_probe_${Date.now().toString(36)}`);
  const probe = db.collection<{ _id: string; n: number }>('probe');
  try {
    await probe.insertOne({ _id: 'probe', n: 0 });
    const deadline = performance.now() + PATCH_WAIT_MS;
    for (let n = 1; ; n++) {
      // A write starts a new SQLite transaction, so the plan below sees the schema as it is now.
      await probe.updateOne({ _id: 'probe' }, { $set: { n } });
      const plan = JSON.stringify(await db.command({ explain: { find: 'probe', filter: { _id: 'probe' } } }));
      if (plan.includes('__taskql_id_path')) return 'patched: its _id lookups use the index scripts/ferretdb-id-indexes.ts adds';
      if (performance.now() >= deadline) return 'unpatched: its _id lookups scan the collection';
      await sleep(250);
    }
  } finally {
    await db.dropDatabase();
  }
}
