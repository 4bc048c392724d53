/**
 * The layers, checked: imports run one way, down. Each production module belongs to one room;
 * a room may import only rooms of a lower rank (and itself). Rooms of the same rank — the API and
 * the worker — never import each other. And the API process never loads handler code: nothing
 * `src/main.ts` reaches, however indirectly, lies under `worker/`.
 *
 * Read by parsing import specifiers, not by a bundler: taskql's imports are static, relative and
 * end in `.ts`, so a regular expression finds them all (dynamic `import()` of a relative path too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Rooms from the bottom up: a path prefix (folder ending in `/`, or one file) and a rank. */
const ROOMS: readonly { room: string; rank: number; paths: readonly string[] }[] = [
  { room: 'model', rank: 0, paths: ['src/model/', 'src/errors.ts', 'src/logger.ts', 'src/gathered-calls.ts'] },
  // The generators' shared write-or-check step (schema/print.ts is one).
  { room: 'generators', rank: 0, paths: ['scripts/generated-file.ts'] },
  { room: 'process', rank: 1, paths: ['src/shutdown.ts', 'src/package-root.ts'] },
  { room: 'tasks', rank: 1, paths: ['src/tasks/'] },
  { room: 'redis', rank: 1, paths: ['src/redis/'] },
  // OpenTelemetry set-up and taskql's spans, model-free, so the API, the worker and the service may all make spans.
  { room: 'tracing', rank: 1, paths: ['src/tracing/'] },
  { room: 'store', rank: 2, paths: ['src/store/'] },
  { room: 'events', rank: 2, paths: ['src/events/'] },
  { room: 'queue', rank: 2, paths: ['src/queue/'] },
  { room: 'auth', rank: 2, paths: ['src/auth/'] },
  { room: 'service', rank: 3, paths: ['src/service/'] },
  { room: 'config', rank: 4, paths: ['src/config.ts'] },
  { room: 'runtime', rank: 5, paths: ['src/runtime.ts'] },
  { room: 'api', rank: 6, paths: ['src/api/'] },
  { room: 'worker', rank: 6, paths: ['worker/'] },
  { room: 'schema', rank: 7, paths: ['schema/'] },
  { room: 'entry', rank: 8, paths: ['src/main.ts', 'worker/main.ts', 'schema/print.ts'] },
];

/** The room of a repository-relative path: the most specific match (entry files before folders). */
function roomOf(path: string): (typeof ROOMS)[number] | undefined {
  let best: (typeof ROOMS)[number] | undefined;
  let bestLength = -1;
  for (const room of ROOMS) {
    for (const prefix of room.paths) {
      const matches = prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix;
      if (matches && prefix.length > bestLength) [best, bestLength] = [room, prefix.length];
    }
  }
  return best;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((path) => !path.includes('/generated/'));
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g;

/** The repository-relative paths `file` imports (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => relative(root, resolve(root, dirname(file), (m[1] ?? m[2] ?? m[3])!)));
}

const files = ['src', 'schema', 'worker'].flatMap(sourceFiles);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe('architecture', () => {
  it('places every production module in a room', () => {
    expect(files.filter((file) => !roomOf(file))).toEqual([]);
  });

  it('has imports that run only down the layers', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = roomOf(file)!;
      for (const target of targets) {
        const to = roomOf(target);
        if (!to) {
          upward.push(`${file} → ${target} (outside every room)`);
        } else if (to.room !== from.room && to.rank >= from.rank) {
          upward.push(`${file} (${from.room}) → ${target} (${to.room})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps handler code out of the API process', () => {
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const target of graph.get(file) ?? []) visit(target);
    };
    visit('src/main.ts');
    expect([...reached].filter((file) => file.startsWith('worker/'))).toEqual([]);
  });
});
