/** The flow page's data: indentation by dependency depth, and updates that never go back a version. */
import { describe, expect, it } from 'vitest';
import { dependencyDepths, mergeFlowRead, withTaskUpdate } from '../../dashboard/src/flow-view.ts';

const task = (id: string, version: number, dependsOn: string[] = [], state = 'PENDING') => ({ id, ref: id, version, state, dependsOn: dependsOn.map((d) => ({ id: d })) });

describe('dependencyDepths', () => {
  it('puts each task one deeper than its deepest dependency', () => {
    const chord = [task('p1', 1), task('p2', 1), task('mid', 1, ['p1']), task('merge', 1, ['p2', 'mid'])];
    expect(Object.fromEntries(dependencyDepths(chord))).toEqual({ p1: 0, p2: 0, mid: 1, merge: 2 });
    expect(dependencyDepths([]).size).toBe(0);
  });
});

describe('withTaskUpdate', () => {
  it("replaces a task with its newer version, keeping its ref and dependencies", () => {
    const tasks = [task('a', 2), task('b', 1, ['a'], 'WAITING')];
    const { ref: _ref, dependsOn: _dependsOn, ...update } = { ...task('b', 3, [], 'RUNNING'), ref: 'x' };
    expect(withTaskUpdate(tasks, update)).toEqual([tasks[0], { id: 'b', ref: 'b', version: 3, state: 'RUNNING', dependsOn: [{ id: 'a' }] }]);
  });

  it('ignores older versions and tasks of other flows', () => {
    const tasks = [task('a', 2, [], 'RUNNING')];
    expect(withTaskUpdate(tasks, { id: 'a', version: 1, state: 'PENDING' })).toEqual(tasks);
    expect(withTaskUpdate(tasks, { id: 'z', version: 9, state: 'FAILED' })).toEqual(tasks);
  });
});

describe('mergeFlowRead', () => {
  it('takes the read flow but keeps the tasks the feed already showed newer', () => {
    const shown = { version: 1, state: 'RUNNING', tasks: [task('a', 5, [], 'RUNNING'), task('b', 1, ['a'])] };
    const read = { version: 2, state: 'RUNNING', tasks: [task('a', 4, [], 'PENDING'), task('b', 2, ['a'], 'WAITING')] };
    expect(mergeFlowRead(shown, read)).toEqual({ version: 2, state: 'RUNNING', tasks: [shown.tasks[0], read.tasks[1]] });
  });

  it("keeps the shown flow's fields when a read answers late", () => {
    const shown = { version: 3, state: 'SUCCEEDED', tasks: [task('a', 6, [], 'SUCCEEDED')] };
    const late = { version: 2, state: 'RUNNING', tasks: [task('a', 4, [], 'RUNNING')] };
    expect(mergeFlowRead(shown, late)).toEqual(shown);
    expect(mergeFlowRead(undefined, late)).toBe(late);
  });
});
