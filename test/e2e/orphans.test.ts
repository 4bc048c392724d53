/**
 * A test process that dies without stopping the API and worker processes it started — killed by a
 * timeout, say — takes them with it (test/support/processes.ts guards them with a watchdog), so
 * none is left retrying servers that are gone.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { testEnv } from '../support/runtime.ts';
import { waitUntil } from '../support/wait.ts';

const PARENT = fileURLToPath(new URL('support/orphaning-parent.ts', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('SIGKILLing a test process ends the worker it started', async () => {
  const parent = spawn(process.execPath, ['--import', 'tsx', PARENT], {
    env: { ...process.env, TASKQL_ORPHAN_ENV: JSON.stringify(testEnv('e2e-orphans')) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => parent.once('exit', resolve));
  let pid: number | undefined;
  for await (const line of createInterface({ input: parent.stdout })) {
    const match = /^worker (\d+)$/.exec(line);
    if (match) {
      pid = Number(match[1]);
      break;
    }
  }
  expect(pid).toBeDefined();
  expect(alive(pid!)).toBe(true);

  parent.kill('SIGKILL');
  await exited;
  await waitUntil(`the orphaned worker ${pid} is gone`, () => !alive(pid!), { timeoutMs: 5_000 });
});
