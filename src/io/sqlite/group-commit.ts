import type { Db } from './open-database.ts';

interface Pending<T> {
  work: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit: writes asked for in the same tick run in one SQLite transaction, so one fsync
 * covers many requests. Each caller's promise settles only after the commit is durable.
 * Each work function runs in its own savepoint: one that throws is rolled back alone and only
 * its caller gets the error; the rest of the group still commits. If the commit itself fails,
 * every caller in the group gets the error. Work functions touch only the database: callers
 * update in-memory state after their promise resolves, so a rollback leaves nothing to undo.
 */
export class GroupCommitter {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;
  private readonly savepoint;
  private readonly release;
  private readonly rollbackTo;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 512,
  ) {
    this.savepoint = db.prepare('SAVEPOINT group_item');
    this.release = db.prepare('RELEASE group_item');
    this.rollbackTo = db.prepare('ROLLBACK TO group_item');
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject } as Pending<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let outcomes: Outcome[];
      try {
        outcomes = this.db.transaction(() => batch.map((p) => this.runItem(p.work)))();
      } catch (e) {
        for (const p of batch) p.reject(e);
        continue;
      }
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i] as Pending<unknown>;
        const o = outcomes[i] as Outcome;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      }
    }
  }

  private runItem(work: () => unknown): Outcome {
    this.savepoint.run();
    let value: unknown;
    try {
      value = work();
    } catch (error) {
      // Undo this item only. If SQLite already abandoned the whole transaction (I/O error, disk
      // full), the savepoint is gone too: rethrowing rolls back and fails the entire group.
      try {
        this.rollbackTo.run();
        this.release.run();
      } catch {
        throw error;
      }
      return { ok: false, error };
    }
    this.release.run();
    return { ok: true, value };
  }
}
