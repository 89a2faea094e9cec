import { FiscalError } from '../../fiscal/errors.ts';
import type { CommandCodec } from '../protocol/commands/index.ts';
import { CommandRefusal, E, refuse, wireCodeOf } from '../protocol/errors.ts';
import { answerPayload, errorPayload, splitCommand } from '../protocol/frame.ts';
import { WireFormatError } from '../protocol/wire.ts';

/**
 * Who may run a command. Passwords are the default Shtrih-M table, where operator N's password
 * is N: 1..28 cashiers, 29 administrator, 30 system administrator (reference §1.4).
 */
export type Level = 'none' | 'operator' | 'admin' | 'sysadmin';

interface Handler {
  level: Level;
  run(data: Buffer, operator: number): Promise<Buffer>;
}

/**
 * The device's command dispatch: decode the request, check the password, run, encode the
 * answer. Every outcome is an answer payload: refusals become error answers, never exceptions.
 */
export class CommandTable {
  private readonly handlers = new Map<number, Handler>();
  /** The operator of the last accepted password (FCh has none and reports this one). */
  private operator = 30;

  on<Req, Ans>(
    codec: CommandCodec<Req, Ans>,
    level: Level,
    fn: (req: Req, operator: number) => Ans | Promise<Ans>,
  ): void {
    this.handlers.set(codec.code, {
      level,
      run: async (data, operator) => codec.encodeAnswer(await fn(codec.decodeRequest(data), operator)),
    });
  }

  async run(payload: Buffer): Promise<Buffer> {
    let code: number;
    let data: Buffer;
    try {
      ({ code, data } = splitCommand(payload));
    } catch {
      return errorPayload(payload[0] ?? 0, E.badFormat);
    }
    const handler = this.handlers.get(code);
    if (!handler) return errorPayload(code, E.notSupported);
    try {
      const operator = handler.level === 'none' ? this.operator : this.checkPassword(handler.level, data);
      return answerPayload(code, await handler.run(data, operator));
    } catch (e) {
      return errorPayload(code, errorCode(e));
    }
  }

  private checkPassword(level: Level, data: Buffer): number {
    if (data.length < 4) refuse(E.badLength, 'no password');
    const pw = data.readUInt32LE(0);
    const ok =
      pw >= 1 &&
      pw <= 30 &&
      (level === 'operator' || (level === 'admin' && pw >= 29) || (level === 'sysadmin' && pw === 30));
    if (!ok) refuse(E.wrongPassword, 'wrong password');
    this.operator = pw;
    return pw;
  }
}

function errorCode(e: unknown): number {
  if (e instanceof CommandRefusal) return e.wireCode;
  if (e instanceof FiscalError) return wireCodeOf(e);
  if (e instanceof WireFormatError) return E.badLength;
  return E.internal;
}
