/**
 * A fault test that fails prints the log tail of each process its fleet started, so that the
 * cause of what a client saw (an internal error, a hang) is in the test's output.
 */
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { expect, inject, it } from 'vitest';

it('a failing fault scenario prints the log tail of every process it started', async () => {
  const child = spawn('npx', ['vitest', 'run', '--config', 'test/faults/support/failing-fleet/vitest.config.ts'], {
    env: { ...process.env, MONGO_URL: inject('mongoUrl'), ...inject('redisEnv') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  out = stripVTControlCharacters(out);
  expect(code, out).toBe(1);
  expect(out).toContain('a failure on purpose');
  expect(out).toMatch(/\[fault failing on purpose\] log tail of api pid \d+, running:\n[^]*taskql API listening on/);
}, 60_000);
