/**
 * The names taskql's queues have in BullMQ, shared by the queues that add jobs, the workers that
 * take them and the flow limiter's keys beside them.
 */

/**
 * The BullMQ name of a taskql queue. The braces make it a Redis Cluster hash tag, so all of one
 * queue's keys share a slot (BullMQ's Lua scripts touch several keys at once).
 */
export function bullQueueName(queue: string): string {
  return `{${queue}}`;
}
