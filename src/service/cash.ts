import { createHash } from 'node:crypto';
import type { CashMovement, KktDriver } from '../device/driver.ts';
import type { Clock } from '../fiscal/clock.ts';
import { FiscalError } from '../fiscal/errors.ts';
import { validateCashRequest } from '../fiscal/receipt-validation.ts';
import type { AdapterStore, CashRequestRecord } from '../io/sqlite/adapter-store.ts';
import { failureOf, type ServiceFailure, validationFailure } from './errors.ts';
import { bodyHash } from './fiscalizer.ts';

export type CashKind = 'in' | 'out';

export type CashOutcome =
  | { ok: true; movement: CashMovement; replayed: boolean }
  | { ok: false; failure: ServiceFailure };

/** What became of a cash key, learned without moving anything (how a blocked ATOL task is decided). */
export type CashKeyOutcome =
  | { state: 'moved'; movement: CashMovement }
  | { state: 'none' }
  | { state: 'unknown'; message: string };

/**
 * Cash in / cash out, exactly once per Idempotency-Key (a retried cash-out never pays twice).
 * The same shape as the fiscalizer: the intent is durable before the device is asked, and an
 * intent a crash left behind is settled from the device, which keeps every movement with the
 * id of the request that asked for it.
 */
export class CashService {
  private readonly inFlight = new Set<string>();

  constructor(private readonly o: { driver: KktDriver; store: AdapterStore; clock: Clock }) {}

  /** Settles cash intents left in flight by a crash; run before serving requests. */
  async recover(): Promise<void> {
    for (const intent of this.o.store.inFlightCashRequests()) await this.settle(intent);
  }

  async move(kind: CashKind, key: string, body: unknown): Promise<CashOutcome> {
    if (this.inFlight.has(key))
      return failed(
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        `a request with Idempotency-Key "${key}" is still being processed; retry when it has finished`,
      );
    this.inFlight.add(key);
    try {
      const hash = bodyHash({ cash: kind, body });
      const existing = this.o.store.getCashRequest(key);
      if (existing) {
        if (existing.body_hash !== hash)
          return failed(
            'IDEMPOTENCY_KEY_MISMATCH',
            `Idempotency-Key "${key}" was already used with a different request`,
          );
        if (existing.state === 'done' && existing.movement !== null)
          return { ok: true, movement: JSON.parse(existing.movement) as CashMovement, replayed: true };
        const settled = await this.settle(existing);
        if (settled) return { ok: true, movement: settled, replayed: true };
      }
      // No record of the key (a new one, or adapter.db was lost and rebuilt): the device keeps each
      // movement under an id derived from its key, so an acknowledged cash-out never pays twice.
      const made = await this.o.driver.findCashMovement(requestIdOf(key));
      if (made) {
        if (made.kind !== kind || !sameAmount(made, body))
          return failed(
            'IDEMPOTENCY_KEY_MISMATCH',
            `Idempotency-Key "${key}" was already used with a different request`,
          );
        await this.o.store.group.run(() => {
          this.o.store.insertCashRequest({
            idempotency_key: key,
            body_hash: hash,
            request_id: requestIdOf(key),
            kind,
            created_at: made.at,
          });
          this.o.store.completeCashRequest(key, JSON.stringify(made));
        });
        return { ok: true, movement: made, replayed: true };
      }
      return await this.moveNew(kind, key, hash, body);
    } finally {
      this.inFlight.delete(key);
    }
  }

  /**
   * The movement made for `key`, `none` when the device made none (an intent left in flight is
   * settled from the device's own record and removed), or `unknown` while the device cannot tell.
   */
  async outcomeOf(key: string): Promise<CashKeyOutcome> {
    if (this.inFlight.has(key)) return { state: 'unknown', message: 'the request is still being processed' };
    this.inFlight.add(key);
    try {
      const existing = this.o.store.getCashRequest(key);
      if (existing?.state === 'done' && existing.movement !== null)
        return { state: 'moved', movement: JSON.parse(existing.movement) as CashMovement };
      const movement = existing ? await this.settle(existing) : await this.o.driver.findCashMovement(requestIdOf(key));
      return movement ? { state: 'moved', movement } : { state: 'none' };
    } catch (e) {
      return { state: 'unknown', message: e instanceof Error ? e.message : String(e) };
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async moveNew(kind: CashKind, key: string, hash: string, body: unknown): Promise<CashOutcome> {
    const validation = validateCashRequest(body);
    if (!validation.ok) return { ok: false, failure: validationFailure(validation.errors) };
    const requestId = requestIdOf(key);
    const store = this.o.store;
    await store.group.run(() =>
      store.insertCashRequest({
        idempotency_key: key,
        body_hash: hash,
        request_id: requestId,
        kind,
        created_at: this.o.clock.now(),
      }),
    );
    let movement: CashMovement;
    try {
      const request = { ...validation.value, requestId };
      movement = kind === 'in' ? await this.o.driver.cashIn(request) : await this.o.driver.cashOut(request);
    } catch (e) {
      if (e instanceof FiscalError && e.code !== 'DEVICE_STOPPED') {
        await store.group.run(() => store.deleteCashInFlight(key));
        return { ok: false, failure: failureOf(e) };
      }
      const message = e instanceof Error ? e.message : String(e);
      return failed(
        'DEVICE_UNAVAILABLE',
        `the device did not complete the cash ${kind === 'in' ? 'in' : 'out'} (${message}); retry with the same Idempotency-Key to get its outcome`,
      );
    }
    await store.group.run(() => store.completeCashRequest(key, JSON.stringify(movement)));
    return { ok: true, movement, replayed: false };
  }

  /** Completes an intent from the device's own record of the movement, or drops it when there is none. */
  private async settle(intent: CashRequestRecord): Promise<CashMovement | undefined> {
    const movement = await this.o.driver.findCashMovement(intent.request_id);
    const store = this.o.store;
    if (!movement) {
      await store.group.run(() => store.deleteCashInFlight(intent.idempotency_key));
      return undefined;
    }
    await store.group.run(() => store.completeCashRequest(intent.idempotency_key, JSON.stringify(movement)));
    return movement;
  }
}

function failed(code: ServiceFailure['code'], message: string): CashOutcome {
  return { ok: false, failure: { code, message } };
}

/**
 * The id a cash movement is kept under on the device: derived from the Idempotency-Key, so the
 * device alone can tell whether a key already moved cash (adapter.db lost, or a crash in between).
 */
function requestIdOf(key: string): string {
  return `cash-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** Whether a body asks for the movement's amount (a body the device never saw is validated later). */
function sameAmount(movement: CashMovement, body: unknown): boolean {
  const v = validateCashRequest(body);
  return v.ok && v.value.amount === movement.amount;
}
