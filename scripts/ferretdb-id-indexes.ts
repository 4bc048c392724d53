/**
 * The `_id` index FerretDB 1.24's SQLite backend would use, kept on every collection of a FerretDB
 * data directory started by `local-servers.ts`.
 *
 * Why it exists: FerretDB creates each collection's `_id` index on `_ferretdb_sjson->"_id"`, but
 * finds, updates and deletes by `_id` with `WHERE _ferretdb_sjson->'$._id' = ?`. SQLite matches an
 * index only to the same expression, so each of those scans and parses every document of the
 * collection (measured on 2,000 tasks: updateOne by `_id` 103 ms, 3.4 ms with this index). The
 * same bug on FerretDB's PostgreSQL backend is FerretDB/FerretDB#4646, and its workaround is this
 * one: an index on the expression the queries use. Semantics do not change — FerretDB's own unique
 * index still enforces uniqueness; this one only spares SQLite the scan — so tests and benchmarks
 * see `_id` lookups cost what they cost on MongoDB.
 *
 * Why by hand and polled: no FerretDB option or SQLite URL parameter runs SQL of ours, and SQLite
 * has no hook on CREATE TABLE. So the `sqlite3` shell looks at each database file that changed
 * since its last look and indexes the collections FerretDB has created since.
 *
 * Why it is sound, with FerretDB 1.24 running on the same files:
 * - A plain (not unique) index never changes what a query returns, only how SQLite finds it: it is
 *   the same rows with or without it, so every answer FerretDB gives is its own.
 * - SQLite keeps the index up to date in the same transaction as every write to its table, and
 *   locks the file for our `CREATE INDEX` as for any writer: FerretDB waits (its connections set
 *   `busy_timeout` to 10 s; ours 10 s too), it never sees a half-built index. A FerretDB
 *   connection may go on planning with the schema it loaded before — seen: `explain` of an `_id`
 *   lookup showed a scan for seconds after the index existed, and the index from the next write
 *   on — which costs scans, not answers.
 * - FerretDB does not know the index: its metadata (`_ferretdb_collections.settings`) lists only
 *   its own, so `listIndexes`, `dropIndexes` and `createIndexes` behave as without it; dropping
 *   the collection drops the table and its indexes with it; a rename keeps the table.
 * - Until the next look (up to `POLL_MS` after a collection is created) lookups scan, as unpatched.
 *
 * What stops it on a FerretDB it does not fit: before indexing, each database file must have
 * FerretDB 1.24's layout — `_ferretdb_collections` with exactly the columns `name, table_name,
 * settings`, each collection table a `_ferretdb_sjson` column, and FerretDB's own `_id` index on
 * `_ferretdb_sjson->"_id"` (the expression its lookups do not use). Anything else (another layout,
 * or a FerretDB whose own index now serves its lookups) stops the patch for good with a loud log
 * line, and FerretDB runs unpatched. That the index serves FerretDB's lookups is what the
 * benchmark checks with `explain` (`bench/lib/report.ts`): it prints whether `_id` lookups use it.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How often the data directory is looked at. */
const POLL_MS = 250;
/** Our index's name: `<table>` + this; FerretDB names its own `<table>_<index name>`. */
const INDEX_SUFFIX = '__taskql_id_path';

/**
 * Of one FerretDB database file: the metadata table's columns (first line), then for each
 * collection table that lacks our index, `<table>|<its columns>|<FerretDB's own _id index>`.
 */
const MISSING_SQL = `SELECT group_concat(name, ',') FROM pragma_table_info('_ferretdb_collections');
  SELECT table_name,
      (SELECT group_concat(name, ',') FROM pragma_table_info(table_name)),
      (SELECT sql FROM sqlite_master WHERE type = 'index' AND name = table_name || '__id_')
    FROM _ferretdb_collections
    WHERE table_name || '${INDEX_SUFFIX}' NOT IN (SELECT name FROM sqlite_master WHERE type = 'index')`;

/** The columns of FerretDB 1.24's `_ferretdb_collections`. */
const METADATA_COLUMNS = 'name,table_name,settings';

/** Adds the `_id` index FerretDB's queries use to each collection of a FerretDB data directory. */
export class FerretDbIdIndexes {
  readonly #dir: string;
  readonly #sqlite3: string;
  readonly #log: (line: string) => void;
  /** Each database file's size and modification times when it was last looked at. */
  readonly #seen = new Map<string, string>();
  #stopped = false;
  readonly #polling: Promise<void>;

  /** Starts looking at `dir` (FerretDB's `--sqlite-url` directory) with the `sqlite3` shell. */
  constructor(dir: string, sqlite3: string, log: (line: string) => void) {
    this.#dir = dir;
    this.#sqlite3 = sqlite3;
    this.#log = log;
    this.#polling = this.#poll();
  }

  /** Stops looking; resolves once a look under way has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#polling;
  }

  async #poll(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#look();
      } catch (error) {
        // A file dropped mid-look, or FerretDB holding a lock past the timeout: the next look retries.
        this.#log(`FerretDB _id indexes: ${error instanceof Error ? error.message : String(error)}`);
      }
      await sleep(POLL_MS);
    }
  }

  async #look(): Promise<void> {
    const paths = (await readdir(this.#dir)).filter((name) => name.endsWith('.sqlite')).map((name) => join(this.#dir, name));
    // Forget the databases dropped since.
    for (const path of this.#seen.keys()) if (!paths.includes(path)) this.#seen.delete(path);
    for (const path of paths) {
      if (this.#stopped) return;
      const state = await fileState(path);
      if (state === undefined || this.#seen.get(path) === state) continue;
      let found: string;
      try {
        found = await this.#sql(path, MISSING_SQL);
      } catch (error) {
        // The metadata table without the columns MISSING_SQL reads.
        if (!/no such column/.test((error as { stderr?: string }).stderr ?? '')) throw error;
        found = 'unknown columns\n';
      }
      const [metadataColumns = '', ...rows] = found.split('\n').filter(Boolean);
      const tables = rows.map((row) => row.split('|'));
      const misfit = found === '' ? undefined : misfitOf(metadataColumns, tables);
      if (misfit !== undefined) {
        this.#log(`FerretDB _id indexes: ${path} is not laid out as FerretDB 1.24's (${misfit}); FerretDB runs unpatched from here on`);
        this.#stopped = true;
        return;
      }
      if (tables.length > 0) {
        await this.#sql(path, tables.map(([table = '']) => `CREATE INDEX IF NOT EXISTS ${quote(table + INDEX_SUFFIX)} ON ${quote(table)} (_ferretdb_sjson->'$._id');`).join('\n'));
      }
      // Read again: our own index changed the file.
      this.#seen.set(path, (await fileState(path)) ?? state);
    }
  }

  /** Runs `sql` on the database file at `path` and returns what it printed; '' when it is gone. */
  async #sql(path: string, sql: string): Promise<string> {
    try {
      // mode=rw: a file FerretDB has just deleted must not be created again.
      const { stdout } = await run(this.#sqlite3, ['-batch', '-bail', '-cmd', '.timeout 10000', `file:${path}?mode=rw`, sql], { timeout: 20_000 });
      return stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      // A database without collections yet, or dropped since readdir: nothing to do.
      if (/no such table: _ferretdb_collections|unable to open database/.test(stderr)) return '';
      throw error;
    }
  }
}

/**
 * What, in a database file's metadata columns and its unindexed tables (`[table, columns, own _id
 * index]`), is not as FerretDB 1.24 lays it out; undefined when all is.
 */
function misfitOf(metadataColumns: string, tables: string[][]): string | undefined {
  if (metadataColumns !== METADATA_COLUMNS) return `_ferretdb_collections has columns ${metadataColumns}, not ${METADATA_COLUMNS}`;
  for (const [table = '', columns = '', idIndex = ''] of tables) {
    if (!columns.split(',').includes('_ferretdb_sjson')) return `${table} has columns ${columns}, no _ferretdb_sjson`;
    const expected = `CREATE UNIQUE INDEX ${quote(`${table}__id_`)} ON ${quote(table)} (_ferretdb_sjson->"_id")`;
    if (idIndex !== expected) return `${table}'s own _id index is ${idIndex || 'missing'}, not ${expected}`;
  }
  return undefined;
}

/** The size and modification time of a database file and its write-ahead log; undefined when gone. */
async function fileState(path: string): Promise<string | undefined> {
  const [main, wal] = await Promise.all([stat(path).catch(() => undefined), stat(`${path}-wal`).catch(() => undefined)]);
  return main && `${main.size}:${main.mtimeMs}:${wal?.size ?? 0}:${wal?.mtimeMs ?? 0}`;
}

/** An SQL identifier in double quotes. */
function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
