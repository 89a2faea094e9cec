/** The mocks a thread serves (src/entry/mock-thread.ts), and how. */
export interface MockThreadData {
  mocks: { kind: 'ofd' | 'odoo'; port: number }[];
  host: string;
  /** Logs at this level (pino), pretty-printed when the adapter's stdout is a terminal. */
  logLevel?: string;
  pretty?: boolean;
}

/** What the thread answers: once where its mocks listen (or which could not), once stopped. */
export type MockThreadMessage =
  | { type: 'listening'; urls: string[] }
  | { type: 'failed'; kind: 'ofd' | 'odoo'; message: string; code?: string }
  | { type: 'stopped' };
