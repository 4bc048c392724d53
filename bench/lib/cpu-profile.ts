/**
 * Loaded with `--import` into the taskql processes and the bench's children of a `--profile` run:
 * records a CPU profile of the whole process and writes it to
 * `$CPU_PROFILE_DIR/CPU.<name>.<time>.<pid>.cpuprofile` when the process exits (`$CPU_PROFILE_NAME`:
 * api, worker or the child's name) — what `--cpu-prof` does, which Node 20 does not accept in
 * NODE_OPTIONS and the process starter cannot pass otherwise. The in-process inspector answers synchronously, so the
 * profile is written within the `exit` event.
 */
import { writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector';

const dir = process.env['CPU_PROFILE_DIR'];
if (!dir) throw new Error('CPU_PROFILE_DIR is not set');
const name = process.env['CPU_PROFILE_NAME'] ?? 'process';
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (error, result: Profiler.StopReturnType) => {
    if (error) console.error('cpu profile:', error);
    else writeFileSync(`${dir}/CPU.${name}.${new Date().toISOString().replace(/[:.]/g, '-')}.${process.pid}.cpuprofile`, JSON.stringify(result.profile));
  });
});
