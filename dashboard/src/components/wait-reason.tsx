import type { WaitReason } from '../generated/graphql.ts';

/** Words for each reason a waiting task is not running; a reason this build does not know shows as it is. */
const WORDS: Record<string, string> = {
  QUEUE_PAUSED: 'queue paused',
  CONCURRENCY_LIMIT: 'concurrency limit',
  RATE_LIMIT: 'rate limit',
  DEPENDENCIES: 'dependencies',
  CHILDREN: 'children',
};

/** "waiting: queue paused" beside a waiting task's state, or nothing when nothing holds it. */
export function WaitReasonChip({ reason }: { reason: WaitReason | null | undefined }) {
  if (!reason) return null;
  return <span class="chip chip-waiting">waiting: {WORDS[reason] ?? reason}</span>;
}
