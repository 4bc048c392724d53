import type { TaskState } from '../generated/graphql.ts';

/** A task's state as a coloured chip; the text carries the meaning, the colour only helps. */
export function StateChip({ state }: { state: TaskState }) {
  return <span class={`chip chip-${state.toLowerCase()}`}>{state}</span>;
}
