/**
 * The API process's start and end as an operator sees them: production refuses to start without
 * authentication, and SIGTERM closes subscriptions with "going away" and exits cleanly.
 */
import { describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskUpdatedDocument } from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';

describe('the API process', () => {
  it('refuses to start in production without authentication configured', async () => {
    const env = testEnv('prod_no_auth', { NODE_ENV: 'production', AUTH_DISABLED: 'false' });
    await expect(startProcess('api', env)).rejects.toThrow(/no authentication is configured/);
  });

  it('on SIGTERM closes WebSockets with 1001 (going away) and exits 0', async () => {
    const api = await startProcess('api', testEnv('sigterm'));
    const client = new TestClient(api.port);
    try {
      const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'echo', delayMs: 3_600_000 } });
      const watched = client.watch(TaskUpdatedDocument, { id: enqueueTask.task.id });
      await watched.until(() => true);
      const exited = new Promise<number | null>((resolve) => api.child.once('exit', (code) => resolve(code)));
      api.child.kill('SIGTERM');
      expect((await client.closed).code).toBe(1001);
      expect(await exited).toBe(0);
    } finally {
      await client.close();
      await api.stop();
    }
  });
});
