import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReceipt } from '../helpers/sample-receipt.ts';
import { CHROMIUM, hasChromium, type InspectedStack, launchChromium, startInspectedStack } from './helpers.ts';

const SCREENSHOT_DIR = 'test-output';
/** The README's picture is rewritten only when asked: `KKT_UPDATE_SCREENSHOTS=1 npx vitest run test/browser`. */
const README_SCREENSHOT = 'docs/images/console.png';

if (!hasChromium)
  console.warn(`console browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does it)`);

/**
 * The console page in real headless Chromium against the whole stack in this process. Every
 * assertion reads the page's DOM (data-* attributes, table rows, the result box), and every
 * control is clicked on the page, as a person would.
 */
describe.skipIf(!hasChromium)('GET / (the console) in headless Chromium', () => {
  let stack: InspectedStack;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let receiptNumber = 0;

  beforeAll(async () => {
    // The breaker opens on the first ОФД failure.
    stack = await startInspectedStack({
      env: { KKT_PRINT_DELAY_MS: '0', KKT_CIRCUIT_BREAKER_THRESHOLD: '1', KKT_OFD_RETRY_ATTEMPTS: '1' },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${stack.url}/`);
    await page.waitForSelector('body[data-ready="true"][data-conn="live"][data-mode="mock"]');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows the live state and the controls of mock mode', async () => {
    expect(await page.isVisible('#controls')).toBe(true);
    expect(await text('[data-field="device.state"]')).toBe('ready');
    expect(await text('[data-field="shift.state"]')).toBe('closed');
    expect(await text('[data-field="breaker.state"]')).toContain('CLOSED');
    expect(await page.getAttribute('#health', 'data-status')).toBe('healthy');
  });

  it('shows a receipt posted through the API as soon as it is printed', async () => {
    const res = await postReceipt('console-1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { fiscal_doc: { fiscal_doc_number: number } };
    receiptNumber = body.fiscal_doc.fiscal_doc_number;
    // Auto-opened shift: the shift-open report and the receipt, newest first.
    await page.waitForSelector(`#documents tr[data-number="${receiptNumber}"][data-type="3"]`);
    await page.waitForSelector('#card-shift[data-state="opened"]');
    expect(await text('[data-field="shift.receipts"]')).toBe('1');
    expect(await text('[data-field="shift.countdown"]')).toMatch(/^2[34] h \d\d min \d\d s$/);
    expect(await text('[data-field="cash.balance"]')).toMatch(/^200,00\s₽$/);
    const first = await page.$eval('#documents tbody tr', (tr) => tr.getAttribute('data-number'));
    expect(Number(first)).toBe(receiptNumber);
    // The chart counted it.
    await page.waitForSelector('#chart[data-receipts="1"]');
    expect(await page.$$eval('#chart rect.bar', (bars) => bars.length)).toBeGreaterThan(0);
  });

  it('filters the archive by type, shift and ОФД status', async () => {
    await page.selectOption('#filter-type', '2');
    const types = await page.$$eval('#documents tbody tr', (rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(types).toEqual(['2']);
    await page.selectOption('#filter-type', '');
    await page.fill('#filter-shift', '2');
    expect(await page.$$eval('#documents tbody tr', (rows) => rows.length)).toBe(0);
    await page.fill('#filter-shift', '1');
    expect(await page.$$eval('#documents tbody tr', (rows) => rows.length)).toBe(2);
    await page.fill('#filter-shift', '');
    await stack.stack.sync();
    await page.waitForSelector(`#documents tr[data-number="${receiptNumber}"][data-synced="true"]`);
    await page.selectOption('#filter-sync', 'unconfirmed');
    expect(await page.$$eval('#documents tbody tr', (rows) => rows.length)).toBe(0);
    await page.selectOption('#filter-sync', '');
  });

  it("opens the receipt's printed slip and its QR code", async () => {
    const slipUrl = `/v1/kkt/documents/${receiptNumber}/slip?format=html`;
    const requested = page.waitForRequest((r) => r.url() === `${stack.url}${slipUrl}`);
    const qrRequested = page.waitForRequest((r) => r.url() === `${stack.url}/v1/kkt/documents/${receiptNumber}/qr.svg`);
    await page.click(`#documents tr[data-number="${receiptNumber}"] button`);
    await Promise.all([requested, qrRequested]);
    await page.waitForSelector(`#slip[data-number="${receiptNumber}"]:not([data-slip="loading"])`);
    expect(await page.getAttribute('#slip', 'data-slip')).toBe('loaded');
    expect(await page.getAttribute('#slip', 'data-qr')).toBe('loaded');
    // The slip as printed, in its sandboxed frame: the item and the fiscal block.
    const slipText = (await page.frameLocator('#slip-frame').locator('body').textContent()) ?? '';
    expect(slipText).toContain('Lens');
    expect(slipText).toContain('ФПД');
    expect(
      await page.$eval('#slip-qr', (img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    expect(await page.getAttribute('#slip-links a[href^="/inspect"]', 'href')).toBe(`/inspect?doc=${receiptNumber}`);
    // Narrower paper: the same document at 32 columns.
    const narrow = page.waitForRequest((r) => r.url() === `${stack.url}${slipUrl}&width=32`);
    await page.selectOption('#slip-width', '32');
    await narrow;
    await page.waitForSelector('#slip[data-slip="loaded"]');
    const lines = ((await page.frameLocator('#slip-frame').locator('pre').first().textContent()) ?? '').split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(32);
    await page.selectOption('#slip-width', '48');
    await page.waitForSelector('#slip[data-slip="loaded"]');
    await page.screenshot({ path: `${SCREENSHOT_DIR}/console.png`, fullPage: true });
    if (process.env.KKT_UPDATE_SCREENSHOTS === '1') {
      mkdirSync('docs/images', { recursive: true });
      await page.locator('h1').scrollIntoViewIfNeeded();
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.screenshot({ path: README_SCREENSHOT });
      await page.setViewportSize({ width: 1440, height: 1100 });
    }
  });

  it('sets paper out from the page, and the next receipt is refused with 503 PAPER_OUT', async () => {
    await page.check('#paper-out');
    await page.waitForSelector('#card-device[data-paper-out="true"]');
    expect(await text('[data-field="device.faults"]')).toBe('paper out');
    const res = await postReceipt('console-2');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('PAPER_OUT');
    // The page's own test sale gets the same problem+json, shown in the result box.
    await page.click('#sale-submit');
    await page.waitForSelector('#result[data-status="503"][data-code="PAPER_OUT"]');
    await page.screenshot({ path: `${SCREENSHOT_DIR}/console-paper-out.png`, fullPage: true });
    await page.uncheck('#paper-out');
    await page.waitForSelector('#card-device[data-paper-out="false"]');
    await page.click('#sale-submit');
    await page.waitForSelector('#result[data-status="200"]');
    expect(await page.textContent('#result')).toMatch(/Receipt .*its machine transitions/);
  });

  it('runs cash in, an X report and ОФД faults from the page', async () => {
    await page.fill('#cash-amount', '50');
    await page.click('#cash-in');
    await page.waitForSelector('#result[data-status="200"]');
    expect(await page.textContent('#result')).toContain('cash in');
    await page.click('#report-x');
    await page.locator('#result', { hasText: 'X report' }).waitFor();
    expect(await page.getAttribute('#result', 'data-status')).toBe('200');
    await page.check('#ofd-permanent');
    await page.click('#ofd-apply');
    await page.locator('#result', { hasText: 'ОФД faults' }).waitFor();
    expect(await page.getAttribute('#result', 'data-status')).toBe('200');
    // A sale from the page: printed, then its delivery fails and the breaker opens.
    await page.click('#sale-submit');
    await page.waitForSelector('#card-ofd[data-breaker="OPEN"]');
    expect(Number(await text('[data-field="buffer.pending"]'))).toBeGreaterThan(0);
    await page.click('#ofd-clear');
    await page.locator('#result', { hasText: 'cleared' }).waitFor();
    // "Sync now" forces the half-open probe: delivered, closed again.
    await page.click('#ofd-sync');
    await page.waitForSelector('#card-ofd[data-breaker="CLOSED"]');
    await page.locator('[data-field="buffer.pending"]', { hasText: /^0$/ }).waitFor();
  });

  it('moves the clock 25 hours from the page, and the shift expires', async () => {
    await page.fill('#clock-hours', '25');
    await page.click('#clock-forward');
    await page.waitForSelector('#card-shift[data-state="expired"]');
    expect(await text('[data-field="shift.countdown"]')).toBe('expired: close the shift');
    await page.screenshot({ path: `${SCREENSHOT_DIR}/console-shift-expired.png`, fullPage: true });
    const res = await postReceipt('console-3');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('SHIFT_EXPIRED');
  });

  it('links a document to the machine transitions it caused in the inspector', async () => {
    const inspector = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    inspector.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      // The hub listens to the actors while an inspector page is open: open it, then print.
      await inspector.goto(`${stack.url}/inspect`);
      await inspector.waitForSelector('body[data-ready="true"][data-conn="live"]');
      await page.click('#shift-close');
      await page.waitForSelector('#card-shift[data-state="closed"]');
      const res = await postReceipt('console-4');
      expect(res.status).toBe(200);
      const { fiscal_doc, receipt_id } = (await res.json()) as {
        fiscal_doc: { fiscal_doc_number: number };
        receipt_id: string;
      };
      const n = fiscal_doc.fiscal_doc_number;
      await page.waitForSelector(`#documents tr[data-number="${n}"]`);
      await page.click(`#documents tr[data-number="${n}"] button`);
      await page.waitForSelector(`#slip[data-number="${n}"]`);
      await inspector.goto(`${stack.url}${await page.getAttribute('#slip-links a[href^="/inspect"]', 'href')}`);
      await inspector.waitForSelector('body[data-ready="true"]');
      expect(await inspector.inputValue('#log-filter')).toBe(`[doc:${n}]`);
      // The log was filled while the first inspector page was open; this one gets it in its snapshot.
      const rows = await inspector.$$eval('#log tbody tr:not([hidden])', (trs) =>
        trs.map((tr) => ({ machine: tr.getAttribute('data-machine'), docs: tr.getAttribute('data-docs') })),
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.docs?.split(' ')).toContain(String(n));
      // By receipt id: the job.submit that carried it.
      await inspector.goto(`${stack.url}/inspect?q=${encodeURIComponent(receipt_id)}`);
      await inspector.waitForSelector('body[data-ready="true"]');
      const events = await inspector.$$eval('#log tbody tr:not([hidden])', (trs) => trs.map((tr) => tr.dataset.event));
      expect(events).toContain('job.submit');
      // Context and payloads are on the page.
      await inspector.click('[data-machine="kkt"] details.context > summary');
      expect(await inspector.textContent('[data-machine="kkt"] [data-role="context"]')).toContain('faults');
      await inspector.screenshot({ path: `${SCREENSHOT_DIR}/inspector-context.png`, fullPage: true });
    } finally {
      await inspector.close();
    }
  });

  it("sends the device's documented events from the inspector in mock mode", async () => {
    const inspector = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await inspector.goto(`${stack.url}/inspect`);
      await inspector.waitForSelector('body[data-ready="true"][data-conn="live"]');
      const panel = '[data-machine="kkt"]';
      await inspector.click(`${panel} details.send-box > summary`);
      await inspector.selectOption(`${panel} select`, 'fault.set');
      await inspector.fill(`${panel} textarea`, '{"faults":{"coverOpen":true}}');
      await inspector.click(`${panel} form.send button`);
      await inspector.waitForSelector(`${panel}[data-state~="printer.fault.coverOpen"]`);
      await inspector.fill(`${panel} textarea`, '{"faults":{"coverOpen":"yes"}}');
      await inspector.click(`${panel} form.send button`);
      await inspector.waitForSelector(`${panel} [data-role="send-result"][data-status="400"]`);
      await inspector.fill(`${panel} textarea`, '{"faults":{"coverOpen":false}}');
      await inspector.click(`${panel} form.send button`);
      await inspector.waitForSelector(`${panel}[data-state~="printer.ready"]`);
      // The breaker's panel offers its events; the sync worker's offers none.
      expect(await inspector.$$eval('[data-machine="circuitBreaker"] select option', (o) => o.length)).toBe(5);
      expect(await inspector.$('[data-machine="syncWorker"] form.send')).toBeNull();
    } finally {
      await inspector.close();
    }
  });

  it('raised no error in the pages', () => {
    expect(pageErrors).toEqual([]);
  });

  function text(selector: string): Promise<string | null> {
    return page.textContent(selector);
  }

  function postReceipt(key: string): Promise<Response> {
    return fetch(`${stack.url}/v1/kkt/receipt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(sampleReceipt()),
    });
  }
});

describe.skipIf(!hasChromium)('the console with KKT_API_TOKEN in headless Chromium', () => {
  const token = 'browser-token-0123456789';
  let stack: InspectedStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startInspectedStack({ env: { KKT_API_TOKEN: token } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('asks for the token once, then streams, lists and opens slips with it', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.url}/`);
    await page.waitForSelector('#token-dialog[open]');
    await page.fill('#token-input', token);
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"][data-conn="live"]');
    const res = await fetch(`${stack.url}/v1/kkt/receipt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'token-1', authorization: `Bearer ${token}` },
      body: JSON.stringify(sampleReceipt()),
    });
    expect(res.status).toBe(200);
    const n = ((await res.json()) as { fiscal_doc: { fiscal_doc_number: number } }).fiscal_doc.fiscal_doc_number;
    await page.click(`#documents tr[data-number="${n}"] button`);
    await page.waitForSelector('#slip[data-slip="loaded"][data-qr="loaded"]');
    // A reload asks no more: the token is kept for this tab.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"][data-conn="live"]');
    expect(await page.$('#token-dialog[open]')).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });
});
