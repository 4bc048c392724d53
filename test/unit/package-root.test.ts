/**
 * taskql finds its own files from its package root, whether it runs from its sources (src/) or
 * built (dist/src/, one directory deeper).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, packageRootOf } from '../../src/package-root.ts';

const root = mkdtempSync(join(tmpdir(), 'taskql-package-root-'));
writeFileSync(join(root, 'package.json'), '{}');
mkdirSync(join(root, 'dist', 'src', 'api'), { recursive: true });
mkdirSync(join(root, 'src', 'api'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('packageRootOf', () => {
  it('finds the same root from a source directory and from its built copy', () => {
    expect(packageRootOf(join(root, 'src', 'api'))).toBe(root);
    expect(packageRootOf(join(root, 'dist', 'src', 'api'))).toBe(root);
  });

  it("names taskql's own package.json", () => {
    expect((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string }).name).toBe('taskql');
  });
});
