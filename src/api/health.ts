/**
 * The probes: `GET /health` (the process is up) and `GET /ready` (MongoDB and Redis answer and the
 * process is not shutting down). Both answer JSON, so a probe and an operator read the same
 * thing; `/ready` names each dependency that is down and since when.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Something the API needs to serve: a name for operators and a cheap round trip to it. */
export interface Dependency {
  name: string;
  ping(): Promise<unknown>;
}

/** How one dependency answered: `since` is when a check first found it down (ISO 8601). */
export type DependencyStatus = { status: 'up' } | { status: 'down'; since: string };

/** The body of `/ready`. */
export interface ReadinessReport {
  /** `ok` (200); `unavailable` when a dependency is down, `draining` while shutting down (503). */
  status: 'ok' | 'unavailable' | 'draining';
  dependencies: Record<string, DependencyStatus>;
}

/**
 * Checks every dependency at each call and remembers, per dependency, when it was first found
 * down, until a check finds it up again.
 */
export class ReadinessCheck {
  readonly #dependencies: readonly Dependency[];
  readonly #now: () => Date;
  readonly #downSince = new Map<string, Date>();

  constructor(dependencies: readonly Dependency[], now: () => Date = () => new Date()) {
    this.#dependencies = dependencies;
    this.#now = now;
  }

  /** Check every dependency now; `draining` reports a process that is shutting down. */
  async check(draining: boolean): Promise<ReadinessReport> {
    const answers = await Promise.allSettled(this.#dependencies.map((d) => d.ping()));
    const dependencies: Record<string, DependencyStatus> = {};
    this.#dependencies.forEach(({ name }, i) => {
      if (answers[i]?.status === 'fulfilled') {
        this.#downSince.delete(name);
        dependencies[name] = { status: 'up' };
        return;
      }
      const since = this.#downSince.get(name) ?? this.#now();
      this.#downSince.set(name, since);
      dependencies[name] = { status: 'down', since: since.toISOString() };
    });
    const down = Object.values(dependencies).some((d) => d.status === 'down');
    return { status: draining ? 'draining' : down ? 'unavailable' : 'ok', dependencies };
  }
}

/** The paths {@link serveProbes} answers. */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/ready']);

/**
 * Answer `/health` and `/ready` (any method's body is the same JSON); returns false, having
 * written nothing, for every other path.
 */
export function serveProbes(readiness: ReadinessCheck, draining: () => boolean) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (!PROBE_PATHS.has(path)) return false;
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (path === '/health') {
      send(200, { status: 'ok' });
      return true;
    }
    // check() settles every ping itself: it does not reject.
    void readiness.check(draining()).then((report) => send(report.status === 'ok' ? 200 : 503, report));
    return true;
  };
}
