import { GroupCommitter } from './group-commit.ts';
import { type Db, openDatabase } from './open-database.ts';

const MIGRATIONS = [
  `
  -- The ATOL Web Requests queue: one row per uuid ever accepted, kept until it expires.
  CREATE TABLE requests (
    uuid TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    device TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('wait', 'inProgress', 'done', 'canceled')),
    callback_url TEXT,
    created_at INTEGER NOT NULL,
    completed_at INTEGER
  );
  CREATE INDEX requests_open ON requests(number) WHERE state IN ('wait', 'inProgress');
  CREATE INDEX requests_completed ON requests(completed_at) WHERE completed_at IS NOT NULL;
  CREATE TABLE tasks (
    uuid TEXT NOT NULL REFERENCES requests(uuid) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    task TEXT NOT NULL,
    status TEXT NOT NULL,
    error_code INTEGER NOT NULL DEFAULT 0,
    error_description TEXT NOT NULL DEFAULT '',
    result TEXT,
    -- The ФН's last document number when a fiscal task started: how a crash is settled.
    after_doc INTEGER,
    PRIMARY KEY (uuid, idx)
  );
  `,
];

export type AtolRequestState = 'wait' | 'inProgress' | 'done' | 'canceled';

export interface AtolRequestRow {
  uuid: string;
  number: number;
  device: string;
  state: AtolRequestState;
  callback_url: string | null;
  created_at: number;
  completed_at: number | null;
}

export interface AtolTaskRow {
  uuid: string;
  idx: number;
  /** The task as the POS sent it (JSON). */
  task: string;
  status: string;
  error_code: number;
  error_description: string;
  /** The task's result as JSON, or NULL. */
  result: string | null;
  after_doc: number | null;
}

export interface TaskOutcome {
  status: string;
  code: number;
  description: string;
  result: unknown;
}

/**
 * `atol.db` in the data dir: the durable queue behind the ATOL Web Requests server. A request
 * is on disk (WAL, synchronous=FULL) before its 201 is sent, so a uuid, once accepted, is
 * never run twice, even across a crash; task states and results are written as they change.
 */
export class AtolQueueStore {
  readonly db: Db;
  readonly group: GroupCommitter;
  private readonly stmts;

  constructor(path: string) {
    this.db = openDatabase(path, MIGRATIONS);
    this.group = new GroupCommitter(this.db);
    const db = this.db;
    this.stmts = {
      maxNumber: db.prepare<[], { n: number | null }>('SELECT max(number) AS n FROM requests'),
      insertRequest: db.prepare(
        `INSERT INTO requests (uuid, number, device, state, callback_url, created_at)
         VALUES (@uuid, @number, @device, 'wait', @callback_url, @created_at)`,
      ),
      insertTask: db.prepare(
        `INSERT INTO tasks (uuid, idx, task, status, error_description) VALUES (?, ?, ?, 'wait', '')`,
      ),
      request: db.prepare<[string], AtolRequestRow>('SELECT * FROM requests WHERE uuid = ?'),
      tasks: db.prepare<[string], AtolTaskRow>('SELECT * FROM tasks WHERE uuid = ? ORDER BY idx'),
      open: db.prepare<[number], AtolRequestRow>(
        `SELECT * FROM requests WHERE state IN ('wait', 'inProgress') ORDER BY number LIMIT ?`,
      ),
      nextOpen: db.prepare<[], AtolRequestRow>(
        `SELECT * FROM requests WHERE state IN ('wait', 'inProgress') ORDER BY number LIMIT 1`,
      ),
      startRequest: db.prepare(`UPDATE requests SET state = 'inProgress' WHERE uuid = ?`),
      startTask: db.prepare(`UPDATE tasks SET status = 'inProgress', after_doc = ? WHERE uuid = ? AND idx = ?`),
      finishTask: db.prepare(
        `UPDATE tasks SET status = @status, error_code = @code, error_description = @description, result = @result
         WHERE uuid = @uuid AND idx = @idx`,
      ),
      finishRequest: db.prepare(`UPDATE requests SET state = ?, completed_at = ? WHERE uuid = ?`),
      counts: db.prepare<[], { open: number; canceled: number; ready: number }>(
        `SELECT coalesce(sum(state IN ('wait', 'inProgress')), 0) AS open,
                coalesce(sum(state = 'canceled'), 0) AS canceled,
                coalesce(sum(state = 'done'), 0) AS ready FROM requests`,
      ),
      deleteExpired: db.prepare('DELETE FROM requests WHERE completed_at IS NOT NULL AND completed_at < ?'),
    };
  }

  /** Accepts a request durably; throws a UNIQUE constraint error for a uuid seen before. */
  insert(r: { uuid: string; device: string; tasks: unknown[]; callbackUrl?: string; now: number }): Promise<number> {
    return this.group.run(() => {
      const number = (this.stmts.maxNumber.get()?.n ?? 0) + 1;
      this.stmts.insertRequest.run({
        uuid: r.uuid,
        number,
        device: r.device,
        callback_url: r.callbackUrl ?? null,
        created_at: r.now,
      });
      for (const [i, t] of r.tasks.entries()) this.stmts.insertTask.run(r.uuid, i, JSON.stringify(t));
      return number;
    });
  }

  request(uuid: string): AtolRequestRow | undefined {
    return this.stmts.request.get(uuid);
  }

  tasks(uuid: string): AtolTaskRow[] {
    return this.stmts.tasks.all(uuid);
  }

  /** Requests not finished yet (waiting or started), oldest first. */
  openRequests(limit = -1): AtolRequestRow[] {
    return this.stmts.open.all(limit);
  }

  /** The request the queue runs next: the oldest one not finished. */
  nextOpen(): AtolRequestRow | undefined {
    return this.stmts.nextOpen.get();
  }

  startTask(uuid: string, idx: number, afterDoc: number | null): void {
    this.db.transaction(() => {
      this.stmts.startRequest.run(uuid);
      this.stmts.startTask.run(afterDoc, uuid, idx);
    })();
  }

  finishTask(uuid: string, idx: number, o: TaskOutcome): void {
    this.stmts.finishTask.run({
      uuid,
      idx,
      status: o.status,
      code: o.code,
      description: o.description,
      result: o.result === null || o.result === undefined ? null : JSON.stringify(o.result),
    });
  }

  /** Writes the last task's outcome, marks the rest, and closes the request in one transaction. */
  finishRequest(
    uuid: string,
    last: { idx: number; outcome: TaskOutcome } | undefined,
    rest: TaskOutcome,
    now: number,
  ): void {
    this.db.transaction(() => {
      const tasks = this.stmts.tasks.all(uuid);
      if (last) this.finishTask(uuid, last.idx, last.outcome);
      for (const t of tasks) if (t.idx > (last?.idx ?? -1) && t.status === 'wait') this.finishTask(uuid, t.idx, rest);
      this.stmts.finishRequest.run('done', now, uuid);
    })();
  }

  /** Cancels a request that has not started: `notFound`, `started` or `canceled`. */
  cancel(uuid: string, outcome: TaskOutcome, now: number): 'notFound' | 'started' | 'canceled' {
    return this.db.transaction(() => {
      const r = this.stmts.request.get(uuid);
      if (!r) return 'notFound' as const;
      if (r.state !== 'wait') return 'started' as const;
      for (const t of this.stmts.tasks.all(uuid)) this.finishTask(uuid, t.idx, outcome);
      this.stmts.finishRequest.run('canceled', now, uuid);
      return 'canceled' as const;
    })();
  }

  counts(): { open: number; canceled: number; ready: number } {
    return this.stmts.counts.get() ?? { open: 0, canceled: 0, ready: 0 };
  }

  /** Forgets requests finished before `before` (ms); answers how many went. */
  deleteExpired(before: number): number {
    return this.stmts.deleteExpired.run(before).changes;
  }

  clear(): void {
    this.db.exec('DELETE FROM tasks; DELETE FROM requests;');
  }

  close(): void {
    this.db.close();
  }
}
