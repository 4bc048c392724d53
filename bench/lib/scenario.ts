/** The shape of one benchmark scenario. */
import type { Rounds } from './alternate.ts';
import type { BenchContext } from './context.ts';
import type { Row } from './report.ts';

/** What a scenario reports: its table rows, and details for the JSON record. */
export interface ScenarioResult {
  rows: Row[];
  details: Record<string, unknown>;
}

/** One scenario: measures taskql and its baselines side by side. */
export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

/** The rounds of a run: quick mode keeps the minimum the method allows. */
export function roundsFor(ctx: BenchContext): Rounds {
  return ctx.options.quick ? { warmup: 1, rounds: 3 } : { warmup: 1, rounds: 5 };
}
