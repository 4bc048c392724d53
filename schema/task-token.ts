/** Scoped read tokens: the `createTaskToken` mutation. */
import { InvalidInputError } from '../src/errors.ts';
import { builder } from './builder.ts';

/** Bounds of a task token's life: short by default, a day at most. */
const TTL = { default: 900, max: 86_400 } as const;

builder.mutationField('createTaskToken', (t) =>
  t.string({
    description: `A token that can read and subscribe to exactly these tasks (the caller's own) and nothing else, for ttlSeconds (default ${TTL.default}, at most ${TTL.max}): what a backend hands a browser. Needs tasks:write.`,
    args: { taskIds: t.arg.idList({ required: true }), ttlSeconds: t.arg.int() },
    resolve: async (_, { taskIds, ttlSeconds }, { tasks, auth, principal }) => {
      const ttl = ttlSeconds ?? TTL.default;
      if (ttl < 1 || ttl > TTL.max) throw new InvalidInputError(`ttlSeconds: 1 to ${TTL.max}, got ${ttl}`);
      if (taskIds.length === 0 || taskIds.length > 100) throw new InvalidInputError('taskIds: 1 to 100 tasks');
      const ids = taskIds.map(String);
      await tasks.assertOwn(principal, ids);
      return auth.mintTaskToken(principal.owner, ids, ttl);
    },
  }),
);
