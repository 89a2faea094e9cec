import type { Duplex } from 'node:stream';
import type { FiscalDocument } from '../../fiscal/document.ts';
import { type CommandCodec, readDocument, readDocumentBlock } from '../protocol/commands/index.ts';
import { decodeDocument } from '../protocol/document-tlv.ts';
import { DeviceRefusal, refusalOf, SerialLinkError } from '../protocol/errors.ts';
import { commandPayload, splitAnswer } from '../protocol/frame.ts';
import { WireFormatError } from '../protocol/wire.ts';
import { HostLink, type HostLinkOptions } from './host-link.ts';

/** How long each command may take to answer (javapos `PrinterCommand.getDefaultTimeout`). */
const ANSWER_TIMEOUT_MS: Readonly<Record<number, number>> = {
  16: 3000,
  17: 3000,
  64: 30_000,
  65: 65_000,
  224: 120_000,
};
const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;

/** Commands that only read: safe to send again when their answer is lost. */
const READ_ONLY = new Set([
  0x10, 0x11, 0x1a, 0x1b, 0x1f, 0x2d, 0x2e, 0xfc, 0xff01, 0xff02, 0xff03, 0xff0a, 0xff39, 0xff3a, 0xff3f, 0xff40,
  0xff63,
]);

export interface WireClientOptions extends HostLinkOptions {
  /** Password sent with every command (default 30, the system administrator, as javapos and the Go driver do). */
  password?: number;
  /** Overrides every command's answer timeout (tests). */
  answerTimeoutMs?: number;
}

/** Typed commands over the host link: encode, send, check the error byte, decode. */
export class WireClient {
  readonly link: HostLink;
  readonly password: number;

  constructor(
    stream: Duplex,
    private readonly options: WireClientOptions = {},
  ) {
    this.link = new HostLink(stream, options);
    this.password = options.password ?? 30;
  }

  private answerTimeout(code: number): number {
    return this.options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS[code] ?? DEFAULT_ANSWER_TIMEOUT_MS;
  }

  /** One command; a non-zero error byte becomes a DeviceRefusal (a FiscalError). */
  async call<Req, Ans>(codec: CommandCodec<Req, Ans>, req: Req): Promise<Ans> {
    const payload = commandPayload(codec.code, codec.encodeRequest(req));
    const tries = READ_ONLY.has(codec.code) ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return this.decode(
          codec,
          await this.link.request(payload, { answerTimeoutMs: this.answerTimeout(codec.code) }),
        );
      } catch (e) {
        // A lost answer to a read is simply asked again; anything that changes state is not.
        if (attempt >= tries || !(e instanceof SerialLinkError) || e.link === 'closed') throw e;
      }
    }
  }

  private decode<Req, Ans>(codec: CommandCodec<Req, Ans>, answer: Buffer): Ans {
    // javapos: an FF command the device does not know may come back as just `FF err`.
    if (codec.code > 0xff && answer.length === 2 && answer[0] === 0xff) throw refusalOf(codec.code, answer[1] ?? 0);
    let parts: ReturnType<typeof splitAnswer>;
    try {
      parts = splitAnswer(answer);
    } catch (e) {
      throw new SerialLinkError('protocol', `malformed answer to ${codec.name}: ${(e as Error).message}`);
    }
    if (parts.error !== 0) throw refusalOf(codec.code, parts.error);
    try {
      return codec.decodeAnswer(parts.data);
    } catch (e) {
      if (e instanceof WireFormatError) throw new SerialLinkError('protocol', `${codec.name}: ${e.message}`);
      throw e;
    }
  }

  /** Reads document `number` back from the ФН (FF3Ah, then FF3Bh blocks); undefined when there is none. */
  async readDocument(number: number, timezone: string): Promise<FiscalDocument | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.readDocumentOnce(number, timezone);
      } catch (e) {
        if (e instanceof DeviceRefusal && e.code === 'DOCUMENT_NOT_FOUND') return undefined;
        // FF3Bh moves the device's read cursor, so a failed read starts over from FF3Ah.
        if (attempt >= 2 || !(e instanceof SerialLinkError) || e.link === 'closed') throw e;
      }
    }
  }

  private async readDocumentOnce(number: number, timezone: string): Promise<FiscalDocument> {
    const head = await this.call(readDocument, { password: this.password, number });
    const blocks: Buffer[] = [];
    let got = 0;
    while (got < head.length) {
      const { data } = await this.call(readDocumentBlock, { password: this.password });
      if (data.length === 0) throw new SerialLinkError('protocol', `document ${number}: an empty FF3Bh block`);
      blocks.push(data);
      got += data.length;
    }
    const body = Buffer.concat(blocks).subarray(0, head.length);
    try {
      const doc = decodeDocument(head.type, body, timezone);
      if (doc.number !== number)
        throw new WireFormatError(`asked for document ${number}, the ФН returned document ${doc.number}`);
      return doc;
    } catch (e) {
      if (e instanceof WireFormatError) throw new SerialLinkError('protocol', `document ${number}: ${e.message}`);
      throw e;
    }
  }

  detach(): void {
    this.link.detach();
  }
}
