import type { Db } from './open-database.ts';

interface Pending<T> {
  work: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes asked for in the same tick run in one SQLite transaction, so one fsync
 * covers many requests. Each caller's promise settles only after the commit is durable.
 * A work function must not throw for business outcomes (return them instead): a throw rolls
 * back the whole group, and every caller in it gets the error.
 */
export class GroupCommitter {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 512,
  ) {}

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
      let results: unknown[];
      try {
        results = this.db.transaction(() => batch.map((p) => p.work()))();
      } catch (e) {
        for (const p of batch) p.reject(e);
        continue;
      }
      for (let i = 0; i < batch.length; i++) batch[i]?.resolve(results[i]);
    }
  }
}
