import { styleOf } from '../enums.ts';
import { TaskState } from '../generated/graphql.ts';

/**
 * A task's state as a coloured chip; the text carries the meaning, the colour only helps. A state
 * this build does not know is shown as it is, in a neutral chip.
 */
export function StateChip({ state }: { state: TaskState }) {
  return <span class={`chip chip-${styleOf(TaskState, state)}`}>{state}</span>;
}
