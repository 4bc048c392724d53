/**
 * The two modes of every generator of a committed file: write it, or with `--check` fail when
 * the committed file differs from what would be written (CI runs the checks).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';

/**
 * Write `content` to `target`, or with `--check` on the command line compare it with what is
 * committed and exit 1, naming `command`, when they differ.
 */
export async function writeOrCheck(target: string, content: string, command: string): Promise<void> {
  const name = relative(process.cwd(), target);
  if (process.argv.includes('--check')) {
    const committed = await readFile(target, 'utf8').catch(() => '');
    if (committed !== content) {
      console.error(`${name} is stale: run \`${command}\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${name} is up to date.`);
  } else {
    await writeFile(target, content);
    console.log(`wrote ${target}`);
  }
}
