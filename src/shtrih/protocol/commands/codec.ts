import { WireReader, WireWriter } from '../wire.ts';

/**
 * One Shtrih-M command: how its request data (after the code) and its answer data (after the
 * code and the error byte) look on the wire. Both sides use the same codec: the driver encodes
 * requests and decodes answers, the device front does the opposite.
 */
export interface CommandCodec<Req, Ans> {
  readonly code: number;
  readonly name: string;
  encodeRequest(req: Req): Buffer;
  decodeRequest(data: Buffer): Req;
  encodeAnswer(ans: Ans): Buffer;
  decodeAnswer(data: Buffer): Ans;
}

export interface PasswordRequest {
  password: number;
}
export interface OperatorAnswer {
  operator: number;
}
export type EmptyAnswer = Record<string, never>;

export const passwordRequest = {
  encodeRequest: (r: PasswordRequest) => new WireWriter().u32(r.password, 'password').toBuffer(),
  decodeRequest: (data: Buffer): PasswordRequest => ({ password: new WireReader(data, 'request').u32('password') }),
};

export const operatorAnswer = {
  encodeAnswer: (a: OperatorAnswer) => new WireWriter().u8(a.operator, 'operator').toBuffer(),
  decodeAnswer: (data: Buffer): OperatorAnswer => ({ operator: new WireReader(data, 'answer').u8('operator') }),
};

export const emptyAnswer = {
  encodeAnswer: (_a: EmptyAnswer) => Buffer.alloc(0),
  decodeAnswer: (_data: Buffer): EmptyAnswer => ({}),
};

/** A command whose request is only the password and whose answer is only the operator number. */
export function passwordOperatorCommand(code: number, name: string): CommandCodec<PasswordRequest, OperatorAnswer> {
  return { code, name, ...passwordRequest, ...operatorAnswer };
}

/** A command whose request is only the password and whose answer is only the error byte. */
export function passwordOnlyCommand(code: number, name: string): CommandCodec<PasswordRequest, EmptyAnswer> {
  return { code, name, ...passwordRequest, ...emptyAnswer };
}
