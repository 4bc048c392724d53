/** A fault scenario that fails after starting an API process: its log tail must be printed. */
import { afterAll, expect, it } from 'vitest';
import { testEnv } from '../../../support/runtime.ts';
import { Fleet } from '../fleet.ts';

const fleet = new Fleet('failing on purpose');
afterAll(() => fleet.close());

it('fails once an API serves', async () => {
  const api = await fleet.start('api', testEnv('fault_tails'));
  expect(api.port, 'a failure on purpose').toBe(-1);
});
