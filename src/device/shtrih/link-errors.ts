import { FiscalError } from '../../fiscal/errors.ts';
import { formatCode } from '../../io/serial/commands/index.ts';
import { describeWireError } from '../../io/serial/error-codes.ts';

/**
 * The wire failed: no answer, a lost answer, a closed port. The outcome of the command is
 * unknown, which is what DEVICE_STOPPED tells the adapter (it then asks the device's archive).
 */
export type LinkFailure = 'noLink' | 'timeout' | 'answerLost' | 'closed' | 'protocol';

export class SerialLinkError extends FiscalError {
  readonly link: LinkFailure;
  constructor(link: LinkFailure, message: string) {
    super('DEVICE_STOPPED', message);
    this.link = link;
  }
}

/** The ККТ answered with a non-zero error byte: a definite refusal (or DEVICE_STOPPED when unclear). */
export class DeviceRefusal extends FiscalError {
  readonly command: number;
  readonly wireCode: number;
  constructor(code: FiscalError['code'], command: number, wireCode: number, detail?: string) {
    super(
      code,
      `the ККТ refused ${formatCode(command)}: ${describeWireError(wireCode)}${detail ? ` (${detail})` : ''}`,
    );
    this.command = command;
    this.wireCode = wireCode;
  }
}
