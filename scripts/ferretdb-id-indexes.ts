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

/** The collections' tables of one FerretDB database file that lack our index. */
const MISSING_SQL = `SELECT table_name FROM _ferretdb_collections
  WHERE table_name || '${INDEX_SUFFIX}' NOT IN (SELECT name FROM sqlite_master WHERE type = 'index')`;

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
      const missing = await this.#sql(path, MISSING_SQL);
      if (missing.length > 0) {
        const tables = missing.split('\n').filter(Boolean);
        await this.#sql(path, tables.map((table) => `CREATE INDEX IF NOT EXISTS ${quote(table + INDEX_SUFFIX)} ON ${quote(table)} (_ferretdb_sjson->'$._id');`).join('\n'));
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

/** The size and modification time of a database file and its write-ahead log; undefined when gone. */
async function fileState(path: string): Promise<string | undefined> {
  const [main, wal] = await Promise.all([stat(path).catch(() => undefined), stat(`${path}-wal`).catch(() => undefined)]);
  return main && `${main.size}:${main.mtimeMs}:${wal?.size ?? 0}:${wal?.mtimeMs ?? 0}`;
}

/** An SQL identifier in double quotes. */
function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
