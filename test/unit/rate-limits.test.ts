/**
 * Admission from reserved blocks: the shared budget is never exceeded however processes share
 * it, a busy key costs few reservations, and a spent budget refuses until its window ends. The
 * shared counter here is a fixed window in memory, as rate-limiter-flexible keeps it in Redis
 * (the integration tests in credentials.test.ts drive the real one).
 */
import { describe, expect, it } from 'vitest';
import { BlockReservations, type Reserve } from '../../src/api/rate-limits.ts';

const WINDOW_MS = 60_000;

/** A shared fixed-window counter of `points` per key, and how often it was asked. */
function sharedCounter(points: number, now: () => number) {
  const windows = new Map<string, { start: number; used: number }>();
  let calls = 0;
  const reserve: Reserve = async (key, asked) => {
    calls++;
    await Promise.resolve();
    let window = windows.get(key);
    if (!window || now() >= window.start + WINDOW_MS) windows.set(key, (window = { start: now(), used: 0 }));
    const granted = Math.max(0, Math.min(asked, points - window.used));
    window.used += asked;
    return { granted, msBeforeNext: window.start + WINDOW_MS - now() };
  };
  return { reserve, calls: () => calls };
}

describe('BlockReservations', () => {
  it('admits a busy key from blocks that grow, with a handful of reservations', async () => {
    const clock = 0;
    const counter = sharedCounter(10_000, () => clock);
    const reservations = new BlockReservations(counter.reserve, 100, () => clock);
    const answers = [];
    for (let i = 0; i < 1000; i++) answers.push(await reservations.take('alice'));
    expect(answers.every((ms) => ms === 0)).toBe(true);
    // 1 + 2 + … + 64 = 127 in 7 reservations, then 9 blocks of 100.
    expect(counter.calls()).toBe(16);
  });

  it('never admits more than the budget across processes, and refuses until the window ends', async () => {
    let clock = 0;
    const counter = sharedCounter(50, () => clock);
    const processes = [0, 1, 2].map(() => new BlockReservations(counter.reserve, 8, () => clock));
    const answers = await Promise.all(Array.from({ length: 90 }, (_, i) => processes[i % 3]!.take('bob')));
    const admitted = answers.filter((ms) => ms === 0).length;
    expect(admitted).toBeLessThanOrEqual(50);
    // What the processes reserved and did not spend is at most a block each.
    expect(admitted).toBeGreaterThanOrEqual(50 - 3 * 7);
    expect(answers.filter((ms) => ms > 0).every((ms) => ms === WINDOW_MS)).toBe(true);

    clock += 30_000;
    expect(await processes[0]!.take('bob')).toBe(WINDOW_MS - 30_000);
    clock += 30_000;
    expect(await processes[0]!.take('bob')).toBe(0);
  });

  it('keeps keys apart', async () => {
    const clock = 0;
    const counter = sharedCounter(1, () => clock);
    const reservations = new BlockReservations(counter.reserve, 1, () => clock);
    expect(await reservations.take('carol')).toBe(0);
    expect(await reservations.take('carol')).toBeGreaterThan(0);
    expect(await reservations.take('dave')).toBe(0);
  });

  it('lets concurrent calls of one key share a reservation', async () => {
    const clock = 0;
    const counter = sharedCounter(1000, () => clock);
    const reservations = new BlockReservations(counter.reserve, 1000, () => clock);
    await reservations.take('erin'); // the first block is one point; the next is two, then four
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => reservations.take('erin')));
    expect(answers).toEqual([0, 0, 0, 0, 0, 0]);
    expect(counter.calls()).toBe(3);
  });

  it('rejects every waiting call when the counter cannot be asked', async () => {
    const failing: Reserve = () => Promise.reject(new Error('Redis is away'));
    const reservations = new BlockReservations(failing, 10);
    const calls = [reservations.take('frank'), reservations.take('frank')];
    for (const call of calls) await expect(call).rejects.toThrow('Redis is away');
  });
});
