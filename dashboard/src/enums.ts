/**
 * The schema's enums as the dashboard shows them. A newer server may send a value this build
 * does not know (the contract asks clients to tolerate that): it is shown as it is, with a
 * neutral style, rather than borrowing the look of a value it merely resembles.
 */

/** One of codegen's enum objects (`TaskState`, `AttemptOutcome`, …): value by value name. */
export type EnumObject<T extends string> = Readonly<Record<string, T>>;

/** Whether `value` is one of `known`'s values. */
function isKnown<T extends string>(known: EnumObject<T>, value: string): value is T {
  return (Object.values(known) as string[]).includes(value);
}

/** The modifier of a value's CSS class: its own name for a known value, `other` for any other. */
export function styleOf<T extends string>(known: EnumObject<T>, value: string): string {
  return isKnown(known, value) ? value.toLowerCase() : 'other';
}
