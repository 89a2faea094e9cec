/** What the adapter's thread tells a mock's worker thread at start (src/entry/mock-thread.ts). */
export interface MockThreadData {
  kind: 'ofd' | 'odoo';
  port: number;
  host: string;
  /** Logs at this level (pino), pretty-printed when the adapter's stdout is a terminal. */
  logLevel?: string;
  pretty?: boolean;
}

/** What a mock's thread answers: once where it listens (or why it could not), once stopped. */
export type MockThreadMessage =
  | { type: 'listening'; url: string }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'stopped' };
