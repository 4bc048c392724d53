/**
 * Version-guarded writes on FerretDB 1.x, whose updates are not atomic.
 *
 * FerretDB 1.24 runs an update as a read followed by a separate write of the whole document, with
 * nothing in between to stop another writer (handler `updateDocument` → `common.UpdateDocument`
 * → the SQLite backend's `UpdateAll`, which writes by `_id` alone): two writers from one version
 * both "match" and the later write silently replaces the earlier. The one thing it does atomically
 * is an insert under a unique index. So a writer first claims the version it writes from with an
 * insert into `task_claims` (`<id>@<version>`, unique `_id`), and only the claim's winner updates
 * the task. Claims stay as long as their task: a writer holding a stale copy of the task finds its
 * version already claimed and re-reads. The claim also carries the change, so a winner that died
 * before its update is completed by the next writer once the claim is `claimTimeoutMs` old.
 *
 * The fence. A claimant that is only slow (paused, or its claim's answer delayed) must not write
 * after another writer has completed its claim and moved the task on: its change, written again
 * over the newer version, would move the task backwards. Nobody completes a claim younger than
 * `claimTimeoutMs`, so a claimant whose claim is younger than half of it writes by `_id` alone —
 * the only filter FerretDB 1.24 hands to SQLite (`collection.Query` pushes a filter down only when
 * it is exactly `{_id}`; with any other field it reads and decodes every document). An older
 * claimant writes with the version in the filter, which FerretDB checks against the document it
 * updates: once the task has moved on, the late write matches nothing. What this leaves open is
 * written down in docs/mongodb-compatibility.md.
 */
import type { Collection, Db, UpdateFilter } from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transition } from '../model/state-machine.ts';
import type { Task, TaskRef } from '../model/task.ts';
import { guard, isDuplicateKey } from './mongo-errors.ts';
import { taskRefsFilter } from './shard-keys.ts';
import { changedFields, encodeEvent, type EventDocument, type TaskDocument } from './task-document.ts';
import type { TaskWrites } from './task-writes.ts';

/** Options of {@link FerretDbClaims}. */
export interface ClaimOptions {
  /**
   * How long a claimed version may stay unwritten before another writer completes the claimed
   * change, taking its claimant for dead. Far beyond any one write's duration; claims are timed by
   * the claimant's clock, so the processes' clocks must agree to well within half of this.
   */
  claimTimeoutMs?: number;
}

/** A claim of the change from one version of a task, as stored. */
export interface ClaimDocument {
  /** `<task id>@<version the change is made from>` */
  _id: string;
  task: string;
  /** When the claimant made the claim, by its own clock. */
  at: Date;
  /** The change: the fields it sets and the events it logs. */
  set: Record<string, unknown>;
  events: EventDocument[];
}

const CLAIM_TIMEOUT_MS = 15_000;
/** How often a writer that lost a claim looks whether the winner's change has landed. */
const CLAIM_POLL_MS = 100;

/** {@link TaskWrites} on FerretDB: claim the version, then write (see the top of this file). */
export class FerretDbClaims implements TaskWrites {
  readonly #tasks: Collection<TaskDocument>;
  readonly #claims: Collection<ClaimDocument>;
  readonly #now: () => Date;
  readonly #timeoutMs: number;

  constructor(db: Db, now: () => Date, options: ClaimOptions = {}) {
    this.#tasks = db.collection<TaskDocument>('tasks');
    this.#claims = db.collection<ClaimDocument>('task_claims');
    this.#now = now;
    this.#timeoutMs = options.claimTimeoutMs ?? CLAIM_TIMEOUT_MS;
  }

  async commit(prev: Task, transition: Transition): Promise<boolean> {
    const claim = claimOf(prev, transition, this.#now());
    try {
      await guard(() => this.#claims.insertOne(claim));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.#awaitClaim(prev, claim._id);
      return false;
    }
    if (this.#now().getTime() - claim.at.getTime() < this.#timeoutMs / 2) {
      const result = await guard(() => this.#tasks.updateOne({ _id: prev.id }, claimedUpdate(claim)));
      return result.matchedCount === 1;
    }
    const result = await guard(() => this.#tasks.updateOne({ _id: prev.id, version: prev.version }, claimedUpdate(claim)));
    if (result.matchedCount === 1) return true;
    // The task has moved on (or is gone). Only this claim's change can follow `prev.version`, so a
    // task past it holds the change: another writer completed it for this late claimant.
    const current = await guard(() => this.#tasks.findOne({ _id: prev.id }, { projection: { version: 1 } }));
    return current !== null && current.version > prev.version;
  }

  /** Only the claims of tasks that are gone: a revived task's claims still fence its writers. */
  async afterDelete(refs: readonly TaskRef[]): Promise<void> {
    const left = await guard(() => this.#tasks.find(taskRefsFilter(refs), { projection: { _id: 1 } }).toArray());
    const kept = new Set(left.map((d) => d._id));
    await guard(() => this.#claims.deleteMany({ task: { $in: refs.map((r) => r.id).filter((id) => !kept.has(id)) } }));
  }

  /**
   * Another writer has claimed the change from `prev.version`: wait until its change is in the
   * task. A claim left unwritten for `claimTimeoutMs` is taken for its writer's death (killed
   * between claim and update, or its update failed) and its change is written here instead,
   * guarded by the version, so that the task moves on. Should the claimant be alive after all,
   * its own write comes too late to be anything but version-guarded (see the top).
   */
  async #awaitClaim(prev: Task, id: string): Promise<void> {
    for (;;) {
      const current = await guard(() => this.#tasks.findOne({ _id: prev.id }, { projection: { version: 1 } }));
      if (current?.version !== prev.version) return;
      const claim = await guard(() => this.#claims.findOne({ _id: id }));
      if (!claim) return;
      if (this.#now().getTime() - claim.at.getTime() >= this.#timeoutMs) {
        await guard(() => this.#tasks.updateOne({ _id: prev.id, version: prev.version }, claimedUpdate(claim)));
        return;
      }
      await sleep(CLAIM_POLL_MS);
    }
  }
}

/** The claim, made at `at`, of the change `transition` makes from `prev`. */
export function claimOf(prev: Task, transition: Transition, at: Date): ClaimDocument {
  return {
    _id: `${prev.id}@${prev.version}`,
    task: prev.id,
    at,
    set: changedFields(prev, transition.task),
    events: transition.logged.map(encodeEvent),
  };
}

/**
 * The update that writes a claimed change. Idempotent, so that the claimant and a writer
 * completing its claim may both apply it to the version it was made from: `$set` of values, and
 * events added only when absent.
 */
function claimedUpdate(claim: Pick<ClaimDocument, 'set' | 'events'>): UpdateFilter<TaskDocument> {
  return { $set: claim.set, ...(claim.events.length > 0 && { $addToSet: { events: { $each: claim.events } } }) };
}
