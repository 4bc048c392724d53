/**
 * `npm run dev`: an API (serving the dashboard with hot reload) and a worker that restart when
 * their code changes, on the servers of
 * MONGO_URL / REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS) or, when those are unset, on
 * throwaway local servers started here (TASKQL_TEST_REDIS=cluster for a local Redis Cluster) and
 * stopped on exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { signalReader } from '../src/shutdown.ts';
import { redisTopologyFromEnv, startLocalServers } from './local-servers.ts';

const servers = await startLocalServers({
  log: (line) => console.log(`[dev] ${line}`),
  redisTopology: redisTopologyFromEnv(process.env) ?? 'single',
}).catch((error: unknown) => {
  // The message says what was tried and what to install; a stack trace would only bury it.
  console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const authConfigured = ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'API_KEYS'].some((name) => process.env[name]);
const env = {
  ...process.env,
  MONGO_URL: servers.mongoUrl,
  ...servers.redisEnv,
  // No credentials configured: run open, as a development server may (the API says so loudly).
  AUTH_DISABLED: process.env['AUTH_DISABLED'] ?? String(!authConfigured),
  // The dashboard from its sources, with hot reload.
  DASHBOARD: process.env['DASHBOARD'] ?? 'dev',
};
const port = process.env['PORT'] ?? '4000';

const children: ChildProcess[] = ['src/main.ts', 'worker/main.ts'].map((entry) =>
  spawn(process.execPath, ['--import', 'tsx', '--watch', entry], { env, stdio: 'inherit' }),
);

console.log(`[dev] ${servers.describe}`);
console.log(`[dev] Dashboard: http://localhost:${port}/  GraphiQL: http://localhost:${port}/graphql  (Ctrl-C stops everything)`);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => new Promise<void>((resolve) => (child.exitCode === null ? child.once('exit', () => resolve()) : resolve()))));
  await servers.stop();
  process.exit(code);
}
// A Ctrl-C reaches the children too (they are in the terminal's process group), and each drains
// as on SIGTERM (src/shutdown.ts): this forwards the first signal for when it came to this
// process alone, and one after the repeat window, which makes the children exit at once.
const read = signalReader();
const onSignal = () => {
  const meaning = read(performance.now());
  if (meaning === 'force') for (const child of children) child.kill('SIGTERM');
  if (meaning === 'stop') void stop(0);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
for (const child of children) child.once('exit', (code) => void stop(code ?? 1));
