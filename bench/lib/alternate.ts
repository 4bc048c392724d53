/**
 * Side-by-side measurement: on a shared, noisy machine only numbers taken close together compare,
 * so every variant of a scenario runs once per round, in the same order (A B C A B C …), after a
 * warm-up round whose results are dropped.
 */

/** How many rounds to run; the warm-up rounds come first and are not kept. */
export interface Rounds {
  warmup: number;
  rounds: number;
}

/**
 * Run each variant once per round, in order, and return every kept round's result per variant.
 * `between` runs after each variant (cleaning up, letting the servers settle).
 */
export async function alternate<K extends string, T>(
  { warmup, rounds }: Rounds,
  variants: Record<K, () => Promise<T>>,
  between: () => Promise<void> = async () => {},
): Promise<Record<K, T[]>> {
  const names = Object.keys(variants) as K[];
  const kept = Object.fromEntries(names.map((name) => [name, [] as T[]])) as Record<K, T[]>;
  for (let round = 0; round < warmup + rounds; round++) {
    for (const name of names) {
      const result = await variants[name]();
      if (round >= warmup) kept[name].push(result);
      await between();
    }
  }
  return kept;
}
