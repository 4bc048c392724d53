/**
 * The local FerretDB's `_id` index patch (`scripts/ferretdb-id-indexes.ts`) on database files laid
 * out as FerretDB 1.24 lays them out, and on one it does not fit — where it must leave the files
 * alone and say so. The files are made with the `sqlite3` shell, which the patch needs anyway.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerretDbIdIndexes } from '../../scripts/ferretdb-id-indexes.ts';
import { waitUntil } from '../support/wait.ts';

const run = promisify(execFile);
const SQLITE3 = 'sqlite3';

/** FerretDB 1.24's DDL for a database with one collection (as `registry.go` writes it). */
const FERRETDB_1_24 = `
  CREATE TABLE "_ferretdb_collections" (name TEXT NOT NULL UNIQUE CHECK(name != ''), table_name TEXT NOT NULL UNIQUE CHECK(table_name != ''), settings TEXT NOT NULL CHECK(settings != '')) STRICT;
  INSERT INTO _ferretdb_collections VALUES ('tasks', 'tasks_ad2e48cd', '{"indexes":[]}');
  CREATE TABLE "tasks_ad2e48cd" (_ferretdb_sjson TEXT NOT NULL CHECK(_ferretdb_sjson != '')) STRICT;
  CREATE UNIQUE INDEX "tasks_ad2e48cd__id_" ON "tasks_ad2e48cd" (_ferretdb_sjson->"_id");`;

let dir: string;
let patch: FerretDbIdIndexes | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taskql-id-indexes-'));
});
afterEach(async () => {
  await patch?.stop();
  patch = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Runs `statements` on a database file, waiting out the patch's lock as FerretDB does (busy timeout). */
async function sql(file: string, statements: string): Promise<string> {
  return (await run(SQLITE3, ['-batch', '-bail', '-cmd', '.timeout 10000', join(dir, file), statements])).stdout.trim();
}

/** How SQLite finds a document by `_id` the way FerretDB 1.24 looks it up. */
function lookupPlan(file: string): Promise<string> {
  return sql(file, `EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM tasks_ad2e48cd WHERE _ferretdb_sjson->'$._id' = '"t1"'`);
}

describe('FerretDB _id index patch', () => {
  it("indexes a FerretDB 1.24 collection on the expression FerretDB's lookups use", async () => {
    await sql('app.sqlite', FERRETDB_1_24);
    expect(await lookupPlan('app.sqlite')).toMatch(/SCAN tasks_ad2e48cd/);
    patch = new FerretDbIdIndexes(dir, SQLITE3, (line) => expect.fail(line));
    await waitUntil('the lookup uses an index', async () => /USING INDEX tasks_ad2e48cd__taskql_id_path/.test(await lookupPlan('app.sqlite')));
  });

  it('leaves alone, and says so, a database whose own _id index differs from FerretDB 1.24’s', async () => {
    // A FerretDB that indexes `_id` on the expression its lookups use needs no patch.
    await sql('app.sqlite', FERRETDB_1_24.replace(`(_ferretdb_sjson->"_id")`, `(_ferretdb_sjson->'$._id')`));
    let said = '';
    const refused = new Promise<void>((resolve) => {
      patch = new FerretDbIdIndexes(dir, SQLITE3, (line) => {
        said = line;
        resolve();
      });
    });
    await refused;
    expect(said).toMatch(/not laid out as FerretDB 1\.24's .*own _id index.*FerretDB runs unpatched/);
    expect(await sql('app.sqlite', "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%taskql%'")).toBe('');
  });

  it('leaves alone a database whose metadata table has other columns', async () => {
    await sql('app.sqlite', FERRETDB_1_24.replaceAll('table_name', 'tbl'));
    const said = await new Promise<string>((resolve) => {
      patch = new FerretDbIdIndexes(dir, SQLITE3, resolve);
    });
    expect(said).toMatch(/not laid out as FerretDB 1\.24's .*FerretDB runs unpatched/);
  });
});
