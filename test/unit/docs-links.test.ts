import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** The markdown outside fenced code blocks, where `[text](target)` is a link and not code. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsIn(file: string): Set<string> {
  const headings = prose(readFileSync(file, 'utf8')).match(/^#{1,6} .+$/gm) ?? [];
  return new Set(headings.map((line) => anchorOf(line.replace(/^#+ /, ''))));
}

/** Every relative link of a page, as the file and anchor it points at. */
function linksOf(page: string): { target: string; file: string; anchor: string | undefined }[] {
  const targets = [...prose(readFileSync(join(root, page), 'utf8')).matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
  return targets
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => {
      const [path = '', anchor] = target.split('#');
      return { target, file: path === '' ? join(root, page) : join(dirname(join(root, page)), decodeURI(path)), anchor };
    });
}

describe('links in README.md and docs/', () => {
  it.each(pages)('every relative link in %s names a file that exists, and a heading in it', (page) => {
    const broken = linksOf(page)
      .filter(({ file, anchor }) => !existsSync(file) || (anchor !== undefined && file.endsWith('.md') && !anchorsIn(file).has(anchor)))
      .map(({ target, file }) => `${target} (${relative(root, file)})`);
    expect(broken).toEqual([]);
  });

  it('finds the links it checks', () => {
    expect(linksOf('README.md').map((link) => link.target)).toContain('docs/contract.md');
  });
});
