import { describe, expect, it } from 'vitest';
import { allTaskChannels, PUBSUB_SHARDS, shardOf, taskChannel } from '../../src/redis/shards.ts';

describe('task channels', () => {
  it('puts a task on the same shard every time, and tasks on every shard', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `task-${i}`);
    expect(ids.map(shardOf)).toEqual(ids.map(shardOf));
    expect(new Set(ids.map(shardOf)).size).toBe(PUBSUB_SHARDS);
  });

  it('names a hash-tagged channel per shard on a cluster and the base channel otherwise', () => {
    expect(taskChannel('taskql:task-changes', 'abc', false)).toBe('taskql:task-changes');
    expect(taskChannel('taskql:task-changes', 'abc', true)).toBe(`taskql:task-changes:{shard-${shardOf('abc')}}`);
    expect(allTaskChannels('taskql:task-changes', false)).toEqual(['taskql:task-changes']);
    const sharded = allTaskChannels('taskql:task-changes', true);
    expect(new Set(sharded).size).toBe(PUBSUB_SHARDS);
    expect(sharded).toContain(taskChannel('taskql:task-changes', 'abc', true));
  });
});
