/**
 * Schedules through the API, on the real servers, with the scheduler ticked by the test at the
 * instants it chooses (no worker in this process ticks it, so nothing here waits for real time):
 * due times become tasks exactly once however many schedulers tick, catch-up and overlap follow
 * the schedule, and each owner sees only its own schedules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateScheduleDocument,
  DeleteScheduleDocument,
  PauseScheduleDocument,
  ResumeScheduleDocument,
  ScheduleDocument,
  SchedulesDocument,
  TriggerScheduleDocument,
  UpdateScheduleDocument,
  type ScheduleInput,
} from '../../schema/generated/graphql.ts';
import { createLogger } from '../../src/logger.ts';
import { scheduledRunKey } from '../../src/model/schedule.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { builtinTaskTypes } from '../../src/tasks/catalog.ts';
import { TestClient } from '../support/graphql-client.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { jwt, newSecret } from '../support/tokens.ts';
import { waitUntil } from '../support/wait.ts';

const secret = newSecret();
let stack: Stack;
let bob: TestClient;
/** Two more runtimes on the same database and prefix: other processes' schedulers. */
const others: Runtime[] = [];

beforeAll(async () => {
  stack = await startStack('schedules', {
    worker: false,
    // A due time seen more than 500 ms late was missed: the catch-up cases tick 5.7 periods late.
    env: { AUTH_DISABLED: 'false', AUTH_JWT_SECRET: secret, SCHEDULE_LATENESS_MS: '500' },
    token: await jwt(secret, 'alice', ['tasks:read', 'tasks:write']),
  });
  bob = new TestClient(stack.server.port, await jwt(secret, 'bob', ['tasks:read', 'tasks:write']));
  for (let i = 0; i < 2; i++) others.push(await startRuntime(stack.runtime.config, createLogger('silent', 'other'), builtinTaskTypes));
});
afterAll(async () => {
  await bob?.close();
  for (const runtime of others) await runtime.close();
  await stack?.close();
});

let named = 0;
/** Create a schedule of alice's with a fresh name. */
async function create(input: Partial<ScheduleInput> = {}) {
  const result = await stack.client.request(CreateScheduleDocument, {
    input: { name: `s${++named}`, type: 'echo', input: { n: named }, every: 1000, ...input },
  });
  expect(result.errors).toBeUndefined();
  return result.data!.createSchedule;
}

/** The schedule's runs as the API lists them, oldest first. */
async function runs(id: string) {
  const data = await stack.client.data(ScheduleDocument, { id });
  return data.schedule!.tasks.edges.map((e) => e.node).reverse();
}

const plus = (iso: string, ms: number) => new Date(new Date(iso).getTime() + ms);

describe('schedules', () => {
  it('creates a schedule with its next due time, and upserts by name', async () => {
    const first = await create({ name: 'nightly', cron: '30 2 * * *', every: null, timezone: 'Europe/Berlin' });
    expect(first).toMatchObject({ name: 'nightly', cron: '30 2 * * *', timezone: 'Europe/Berlin', overlap: 'SKIP', paused: false });
    const next = new Date(first.nextRunAt!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // 02:30 in Berlin is 00:30 or 01:30 UTC, depending on the season.
    expect(next.getUTCMinutes()).toBe(30);
    const again = await create({ name: 'nightly', cron: '30 2 * * *', every: null, timezone: 'Europe/Berlin', input: { changed: true } });
    expect(again).toMatchObject({ id: first.id, input: { changed: true }, nextRunAt: first.nextRunAt });
  });

  it.each([
    [{ cron: 'every day' , every: null }, 'input.cron'],
    [{ cron: '0 0 * * * * *', every: null }, 'input.cron'],
    [{ cron: '0 * * * *', every: null, timezone: 'Europe/Atlantis' }, 'input.timezone'],
    [{ every: 999 }, 'input.every'],
    [{ cron: '0 * * * *', every: 1000 }, 'input.every'],
    [{ every: null }, 'input.cron'],
    [{ type: 'no-such-type' }, 'input.type'],
    [{ type: 'sleep', input: { ms: -1 } }, 'input.input.ms'],
  ] as [Partial<ScheduleInput>, string][])('refuses %j with BAD_USER_INPUT naming %s, storing nothing', async (input, field) => {
    const before = (await stack.client.data(SchedulesDocument, { first: 500 })).schedules.totalCount;
    const result = await stack.client.request(CreateScheduleDocument, {
      input: { name: `bad${++named}`, type: 'echo', every: 1000, ...input },
    });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain(field);
    expect((await stack.client.data(SchedulesDocument, { first: 500 })).schedules.totalCount).toBe(before);
  });

  it('makes exactly one task per due time however many schedulers tick at once', async () => {
    const schedule = await create({ overlap: 'ALLOW' });
    const schedulers = [stack.runtime.scheduler, ...others.map((r) => r.scheduler)];
    const expected: string[] = [];
    for (let i = 0; i < 8; i++) {
      const due = plus(schedule.nextRunAt!, i * 1000);
      expected.push(due.toISOString());
      // Each tick a little after the due time, all three at once, some twice.
      await Promise.all([...schedulers, stack.runtime.scheduler].map((s, k) => s.tick(plus(due.toISOString(), 10 + k))));
    }
    const made = await runs(schedule.id);
    expect(made.map((t) => t.idempotencyKey)).toEqual(expected.map((due) => scheduledRunKey(schedule.id, new Date(due))));
    expect(made.every((t) => t.scheduleId === schedule.id)).toBe(true);
  });

  it('after downtime makes nothing up with catchUpWindowMs 0, and exactly one run within a window', async () => {
    const none = await create();
    const one = await create({ catchUpWindowMs: 10_000 });
    // Five periods later than each one's first due time, no tick having run meanwhile.
    await stack.runtime.scheduler.tick(plus(none.nextRunAt!, 5_700));
    await stack.runtime.scheduler.tick(plus(one.nextRunAt!, 5_700));
    expect(await runs(none.id)).toEqual([]);
    const madeUp = await runs(one.id);
    expect(madeUp.map((t) => t.idempotencyKey)).toEqual([scheduledRunKey(one.id, plus(one.nextRunAt!, 5_000))]);
    const after = (await stack.client.data(ScheduleDocument, { id: none.id })).schedule!;
    expect(after.nextRunAt).toBe(plus(none.nextRunAt!, 6_000).toISOString());
  });

  describe('overlap, while the previous run is unfinished (no worker runs it here)', () => {
    const tickAt = (schedule: { nextRunAt?: string | null }, periods: number) => stack.runtime.scheduler.tick(plus(schedule.nextRunAt!, periods * 1000 + 10));

    it('SKIP makes no new task', async () => {
      const s = await create({ overlap: 'SKIP' });
      for (let i = 0; i < 3; i++) await tickAt(s, i);
      expect(await runs(s.id)).toHaveLength(1);
    });

    it('ALLOW starts each', async () => {
      const s = await create({ overlap: 'ALLOW' });
      for (let i = 0; i < 3; i++) await tickAt(s, i);
      expect(await runs(s.id)).toHaveLength(3);
    });

    it('BUFFER_ONE keeps one run and starts it once the previous one has finished', async () => {
      const s = await create({ overlap: 'BUFFER_ONE' });
      for (let i = 0; i < 3; i++) await tickAt(s, i);
      const [first, ...rest] = await runs(s.id);
      expect(rest).toEqual([]);
      await stack.runtime.tasks.cancel(principalOf('alice'), first!.id, 'done with it');
      await tickAt(s, 3.5);
      const made = await runs(s.id);
      expect(made.map((t) => t.idempotencyKey)).toEqual([
        scheduledRunKey(s.id, plus(s.nextRunAt!, 0)),
        scheduledRunKey(s.id, plus(s.nextRunAt!, 1000)), // the buffered one: the first held back
      ]);
    });

    it('CANCEL_PREVIOUS cancels the previous run with the reason and starts the new one', async () => {
      const s = await create({ overlap: 'CANCEL_PREVIOUS' });
      await tickAt(s, 0);
      await tickAt(s, 1);
      const [previous, current] = await runs(s.id);
      expect(current?.state).toBe('PENDING');
      await expect.poll(async () => (await stack.runtime.tasks.get(principalOf('alice'), previous!.id))?.state).toBe('CANCELLED');
      const events = await stack.runtime.tasks.events(principalOf('alice'), previous!.id, 0);
      expect(events?.at(-1)?.reason).toContain('CANCEL_PREVIOUS');
    });
  });

  it('pauses, resumes, triggers and deletes, keeping past tasks', async () => {
    const s = await create();
    const paused = (await stack.client.data(PauseScheduleDocument, { id: s.id })).pauseSchedule;
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    await stack.runtime.scheduler.tick(plus(s.nextRunAt!, 10));
    expect(await runs(s.id)).toEqual([]);

    const triggered = (await stack.client.data(TriggerScheduleDocument, { id: s.id })).triggerSchedule;
    expect(triggered).toMatchObject({ state: 'PENDING', scheduleId: s.id });

    const resumed = (await stack.client.data(ResumeScheduleDocument, { id: s.id })).resumeSchedule;
    expect(resumed.paused).toBe(false);
    expect(new Date(resumed.nextRunAt!).getTime()).toBeGreaterThan(Date.now());
    expect(resumed.lastTask?.id).toBe(triggered.id);

    expect((await stack.client.data(DeleteScheduleDocument, { id: s.id })).deleteSchedule).toBe(true);
    expect((await stack.client.data(ScheduleDocument, { id: s.id })).schedule).toBeNull();
    expect(await stack.runtime.tasks.get(principalOf('alice'), triggered.id)).toMatchObject({ scheduleId: s.id });
    expect(errorCode(await stack.client.request(PauseScheduleDocument, { id: s.id }))).toBe('NOT_FOUND');
  });

  it('takes a changed timetable from its next due time', async () => {
    const s = await create({ every: 1000 });
    const result = await stack.client.request(UpdateScheduleDocument, { id: s.id, input: { name: s.name, type: 'echo', every: 60_000 } });
    const updated = result.data!.updateSchedule;
    expect(new Date(updated.nextRunAt!).getTime() - new Date(updated.updatedAt).getTime()).toBe(60_000);
  });

  it("keeps each owner's schedules to that owner; names are per owner", async () => {
    const mine = await create({ name: 'shared-name' });
    expect((await bob.data(ScheduleDocument, { id: mine.id })).schedule).toBeNull();
    expect(errorCode(await bob.request(TriggerScheduleDocument, { id: mine.id }))).toBe('NOT_FOUND');
    expect(errorCode(await bob.request(DeleteScheduleDocument, { id: mine.id }))).toBe('NOT_FOUND');
    const theirs = (await bob.data(CreateScheduleDocument, { input: { name: 'shared-name', type: 'echo', every: 1000 } })).createSchedule;
    expect(theirs.id).not.toBe(mine.id);
    const listed = (await bob.data(SchedulesDocument, { first: 100 })).schedules;
    expect(listed.edges.map((e) => e.node.id)).toEqual([theirs.id]);
  });
});

/** The principal a test acts as when it calls services directly. */
function principalOf(owner: string) {
  return { owner, scopes: new Set(['tasks:read', 'tasks:write'] as const), taskIds: null, expiresAt: null };
}

describe('overlap with a worker running the previous run', () => {
  let running: Stack;
  beforeAll(async () => {
    running = await startStack('schedules_running', { env: { SCHEDULE_LATENESS_MS: '500', CANCEL_GRACE_MS: '1000' } });
  });
  afterAll(() => running?.close());

  /** A schedule of `sleep`s longer than its period, its first run RUNNING on the worker. */
  async function withRunningRun(overlap: 'SKIP' | 'CANCEL_PREVIOUS') {
    const { createSchedule: s } = await running.client.data(CreateScheduleDocument, {
      input: { name: `running-${overlap}`, type: 'sleep', input: { ms: 20_000, steps: 20 }, every: 1000, overlap },
    });
    // The tick's instants lie ahead of real time, so the worker's own ticks find nothing due.
    await running.runtime.scheduler.tick(plus(s.nextRunAt!, 10));
    const { schedule } = await running.client.data(ScheduleDocument, { id: s.id });
    const first = schedule!.lastTask!.id;
    await waitUntil('the first run is RUNNING', async () => (await running.runtime.tasks.get(principalOf('anonymous'), first))?.state === 'RUNNING');
    await running.runtime.scheduler.tick(plus(s.nextRunAt!, 1010));
    const made = (await running.client.data(ScheduleDocument, { id: s.id })).schedule!.tasks.edges.map((e) => e.node);
    return { first, made };
  }

  it('SKIP makes no new task while the previous one runs', async () => {
    const { first, made } = await withRunningRun('SKIP');
    expect(made.map((t) => t.id)).toEqual([first]);
    await running.runtime.tasks.cancel(principalOf('anonymous'), first, 'end of test');
  });

  it('CANCEL_PREVIOUS cancels the running one, recorded CANCELLED with the reason', async () => {
    const { first, made } = await withRunningRun('CANCEL_PREVIOUS');
    expect(made).toHaveLength(2);
    await waitUntil('the first run is CANCELLED', async () => (await running.runtime.tasks.get(principalOf('anonymous'), first))?.state === 'CANCELLED');
    const events = await running.runtime.tasks.events(principalOf('anonymous'), first, 0);
    expect(events?.at(-1)?.type).toBe('CANCELLED');
    expect(events?.at(-1)?.reason).toContain('CANCEL_PREVIOUS');
    const next = made.find((t) => t.id !== first)!;
    await waitUntil('the new run starts', async () => (await running.runtime.tasks.get(principalOf('anonymous'), next.id))?.state === 'RUNNING');
    await running.runtime.tasks.cancel(principalOf('anonymous'), next.id, 'end of test');
  });
});
