/**
 * Where taskql's own files (the built dashboard, its Vite config) are found: the directory of its
 * `package.json`. Code runs from its sources (`src/`, under tsx) or built (`dist/src/`, under
 * node), one directory deeper, so a path relative to a module would point elsewhere in the build.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory at or above `dir` that holds a `package.json`. */
export function packageRootOf(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'package.json'))) return at;
    if (dirname(at) === at) throw new Error(`no package.json at or above ${dir}`);
  }
}

/** The directory of taskql's `package.json` (the repository root, or /app in the image). */
export const PACKAGE_ROOT: string = packageRootOf(dirname(fileURLToPath(import.meta.url)));
