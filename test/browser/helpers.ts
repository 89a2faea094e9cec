import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { type Stack, startStack } from '../../src/entry/start-stack.ts';
import type { InspectionHub } from '../../src/inspect/hub.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
// CI installs chromium (.ci/run): there a missing browser is a broken setup, never a reason to skip.
if (!hasChromium && process.env.CI)
  throw new Error(`${CHROMIUM} is missing on CI: .ci/run must apt-get install chromium`);

/** Debian's chromium (installed by .ci/run), headless, with no network of its own. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface InspectedStack {
  stack: Stack;
  hub: InspectionHub;
  /** Adapter base URL (POST {url}/v1/kkt/receipt). */
  url: string;
  /** The inspector page, served by the adapter itself. */
  inspectUrl: string;
  stop(): Promise<void>;
}

export interface InspectedStackOptions {
  /** Settings as env names, e.g. `{ KKT_PRINT_DELAY_MS: '300' }`. */
  env?: Record<string, string>;
  /** Keep the data here (the caller removes it) instead of a temporary dir. */
  dataDir?: string;
}

/** The whole stack (adapter, emulated ККТ, mock ОФД, mock Odoo); the adapter serves /inspect. */
export async function startInspectedStack(options: InspectedStackOptions = {}): Promise<InspectedStack> {
  const stack = await startStack({
    env: options.env ?? {},
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  return {
    stack,
    hub: stack.adapter.inspector as InspectionHub,
    url: stack.url,
    inspectUrl: `${stack.url}/inspect`,
    stop: () => stack.stop(),
  };
}
