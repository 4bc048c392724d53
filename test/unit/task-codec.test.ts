import { describe, expect, it } from 'vitest';
import { startAttempt, succeed } from '../../src/model/state-machine.ts';
import { decodeTask, encodeTask } from '../../src/model/task-codec.ts';
import { at, newTask, ok } from '../support/task-fixtures.ts';

describe('task codec', () => {
  it('encodes the payloads as JSON text and decodes them back to the same task', () => {
    const task = ok(succeed(ok(startAttempt(newTask({ input: { a: [1, 'x'] } }), 'w1', at(10))).task, 1, { out: true }, at(20))).task;
    const encoded = encodeTask(task);
    expect(encoded).toMatchObject({ input: '{"a":[1,"x"]}', result: '{"out":true}', state: 'SUCCEEDED' });
    expect(decodeTask(encoded)).toEqual(task);
  });

  it('encodes each task once, and the task a transition makes afresh', () => {
    const created = newTask();
    const first = encodeTask(created);
    expect(encodeTask(created)).toBe(first);
    const started = ok(startAttempt(created, 'w1', at(10))).task;
    expect(encodeTask(started)).toMatchObject({ state: 'RUNNING', attempt: 1 });
    expect(encodeTask(created)).toMatchObject({ state: 'PENDING', attempt: 0 });
  });
});
