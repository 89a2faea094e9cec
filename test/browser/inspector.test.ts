import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReceipt } from '../helpers/sample-receipt.ts';
import { CHROMIUM, hasChromium, type InspectedStack, launchChromium, startInspectedStack } from './helpers.ts';

const SCREENSHOT_DIR = 'test-output';

if (!hasChromium)
  console.warn(`inspector browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does it)`);

/**
 * The inspector page in real headless Chromium, against the whole stack in this process: every
 * assertion reads the page's DOM (`data-machine` / `data-state` attributes, highlighted SVG
 * groups, log rows), as a person looking at the page would.
 */
describe.skipIf(!hasChromium)('GET /inspect in headless Chromium', () => {
  let stack: InspectedStack;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    stack = await startInspectedStack({
      // A visible print (300 ms); the breaker opens on the first ОФД failure.
      env: { KKT_PRINT_DELAY_MS: '300', KKT_CIRCUIT_BREAKER_THRESHOLD: '1', KKT_OFD_RETRY_ATTEMPTS: '1' },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(stack.inspectUrl);
    await page.waitForSelector('body[data-ready="true"][data-conn="live"]');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('draws every machine of the running system with its current state', async () => {
    const panels = await page.$$eval('section.machine', (els) =>
      els.map((el) => ({
        machine: el.getAttribute('data-machine'),
        status: el.getAttribute('data-status'),
        svg: el.getAttribute('data-svg'),
        states: el.querySelectorAll('svg [data-state-id]').length,
        text: el.querySelector('[data-role="state"]')?.textContent,
      })),
    );
    expect(panels.map((p) => p.machine)).toEqual(['kkt', 'circuitBreaker', 'syncWorker', 'heartbeat']);
    for (const p of panels) {
      expect(p, String(p.machine)).toMatchObject({ status: 'active', svg: 'loaded' });
      expect(p.states, String(p.machine)).toBeGreaterThan(2);
    }
    expect(panels.find((p) => p.machine === 'circuitBreaker')?.text).toBe('closed');
    await page.waitForSelector('[data-machine="kkt"][data-state~="printer.ready"]');
    expect(await activeIn('kkt')).toContain('kkt.printer.ready');
  });

  it('shows the device pass through printing and back to ready when a receipt is posted', async () => {
    const posting = postReceipt('inspector-1');
    await page.waitForSelector('[data-machine="kkt"][data-state~="printer.printing"]');
    expect(await activeIn('kkt')).toEqual(expect.arrayContaining(['kkt.printer', 'kkt.printer.printing']));
    expect(await activeIn('kkt')).not.toContain('kkt.printer.ready');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOT_DIR}/inspector.png`, fullPage: true });
    expect((await posting).status).toBe(200);
    await page.waitForSelector('[data-machine="kkt"][data-state~="printer.ready"]');
    expect(await activeIn('kkt')).toContain('kkt.printer.ready');

    // The log shows the round trip; the filter narrows it to one event type.
    await page.waitForSelector('#log tr[data-machine="kkt"][data-event="job.submit"]');
    const submit = await page.$eval('#log tr[data-event="job.submit"] td.change', (td) => td.textContent);
    expect(submit).toBe('printer.ready → printer.printing');
    await page.fill('#log-filter', 'job.submit');
    const visible = await page.$$eval('#log tbody tr:not([hidden])', (rows) => rows.map((r) => r.dataset.event));
    expect(visible.length).toBeGreaterThan(0);
    expect(new Set(visible)).toEqual(new Set(['job.submit']));
    await page.fill('#log-filter', '');
  });

  it('shows the circuit breaker open when the ОФД fails', async () => {
    stack.stack.ofd.setFaults({ permanent_failure: true });
    expect((await postReceipt('inspector-2')).status).toBe(200);
    await stack.stack.sync();
    await page.waitForSelector('[data-machine="circuitBreaker"][data-state="open"]');
    expect(await activeIn('circuitBreaker')).toEqual(['circuitBreaker.open']);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/inspector-breaker-open.png`, fullPage: true });
    stack.stack.ofd.setFaults({});
  });

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });

  /** Ids of the highlighted states in a machine's diagram. */
  function activeIn(machine: string): Promise<string[]> {
    return page.$$eval(`[data-machine="${machine}"] svg .active[data-state-id]`, (els) =>
      els.map((el) => el.getAttribute('data-state-id') ?? ''),
    );
  }

  function postReceipt(key: string): Promise<Response> {
    return fetch(`${stack.url}/v1/kkt/receipt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(sampleReceipt()),
    });
  }
});
